import type { Context, MiddlewareHandler } from 'hono';
import type { Database } from '../db/database.ts';
import { clientIp } from '../http/client-ip.ts';
import type { ApiEnv, AuditTarget } from '../http/env.ts';
import { type AuditEntry, appendAudit } from './append.ts';

type Outcome = 'success' | 'denied' | 'failure';

/** The audit record of this request, as it stands. */
function auditEntry(
  c: Context<ApiEnv>,
  action: string,
  outcome: Outcome,
  status: number,
  errorCode?: string,
): AuditEntry {
  const principal = c.get('principal') as ApiEnv['Variables']['principal'] | undefined;
  const ministry = c.get('ministry') as ApiEnv['Variables']['ministry'] | undefined;
  // A probe of a ministry the caller has no role in answers 404, as if it did
  // not exist; the record still names it, so its auditors see the attempt.
  const probed = c.get('probedMinistryId') as string | undefined;
  const target = c.get('auditTarget') as AuditTarget | undefined;
  return {
    actorType: principal?.actorType ?? 'anonymous',
    actorId: principal?.actorId ?? 'anonymous',
    action,
    targetType: target?.type ?? action.split('.')[0] ?? 'unknown',
    targetId: target?.id ?? c.req.param('app') ?? null,
    ministryId: ministry?.id ?? probed ?? null,
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
  };
}

/**
 * Makes a change and records it in the audit log in the same transaction:
 * either both happen or neither, so a failed audit write can never leave a
 * change behind that the client was told failed (and would retry).
 *
 * @example
 * const row = await auditedChange(c, 201, async (tx) => {
 *   const [row] = await tx.insert(apps).values(...).returning();
 *   return { result: row, target: { type: 'app', id: row.id } };
 * });
 */
export async function auditedChange<T>(
  c: Context<ApiEnv>,
  status: number,
  change: (tx: Database) => Promise<{ result: T; target: AuditTarget }>,
): Promise<T> {
  const action = c.get('auditAction');
  return c.get('db').transaction(async (tx) => {
    const { result, target } = await change(tx as unknown as Database);
    c.set('auditTarget', target);
    await appendAudit(tx as unknown as Database, auditEntry(c, action, 'success', status));
    c.set('auditRecorded', true);
    return result;
  });
}

/**
 * Records a mutating route in the audit log whatever its outcome: denied
 * (401/403/429, someone tried) or failure (bad input, conflict, quota). A
 * success is recorded by the route itself, in the transaction of its change
 * (`auditedChange`); this wraps authentication so refused attempts are
 * recorded too.
 */
export function audited(action: string): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    c.set('auditAction', action);
    await next();
    if (c.get('auditRecorded')) return;
    const status = c.res.status;
    const denied = [401, 403, 429].includes(status) || c.get('accessDenied') === true;
    const outcome = status < 400 ? 'success' : denied ? 'denied' : 'failure';
    let errorCode: string | undefined;
    if (status >= 400) {
      errorCode = await c.res
        .clone()
        .json()
        .then((b: unknown) => (b as { error?: { code?: string } }).error?.code)
        .catch(() => undefined);
    }
    const entry = auditEntry(c, action, outcome, status, errorCode);
    if (outcome === 'denied') await c.get('refusals').record(entry);
    else await appendAudit(c.get('db'), entry);
  };
}
