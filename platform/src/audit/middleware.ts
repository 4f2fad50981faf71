import type { MiddlewareHandler } from 'hono';
import { clientIp } from '../http/client-ip.ts';
import type { ApiEnv } from '../http/env.ts';
import { appendAudit } from './append.ts';

/**
 * Records a mutating route in the audit log whatever its outcome: success,
 * denied (401/403/429, someone tried) or failure (bad input, conflict,
 * quota). It wraps authentication so refused attempts are recorded too.
 */
export function audited(action: string): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    await next();
    const status = c.res.status;
    const denied = [401, 403, 429].includes(status) || c.get('accessDenied') === true;
    const outcome = status < 400 ? 'success' : denied ? 'denied' : 'failure';
    const principal = c.get('principal') as ApiEnv['Variables']['principal'] | undefined;
    const ministry = c.get('ministry') as ApiEnv['Variables']['ministry'] | undefined;
    const target = c.get('auditTarget') as ApiEnv['Variables']['auditTarget'] | undefined;
    let errorCode: string | undefined;
    if (status >= 400) {
      errorCode = await c.res
        .clone()
        .json()
        .then((b: unknown) => (b as { error?: { code?: string } }).error?.code)
        .catch(() => undefined);
    }
    await appendAudit(c.get('db'), {
      actorType: principal?.actorType ?? 'anonymous',
      actorId: principal?.actorId ?? 'anonymous',
      action,
      targetType: target?.type ?? action.split('.')[0] ?? 'unknown',
      targetId: target?.id ?? c.req.param('app') ?? null,
      ministryId: ministry?.id ?? null,
      sourceIp: clientIp(c),
      tokenId: principal?.tokenId ?? null,
      outcome,
      details: {
        method: c.req.method,
        path: c.req.path,
        status,
        requestId: c.get('requestId'),
        ...(errorCode ? { errorCode } : {}),
        ...(target?.details ?? {}),
      },
    });
  };
}
