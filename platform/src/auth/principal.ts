import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../errors.ts';
import type { ApiEnv } from '../http/env.ts';
import { findActiveToken } from './tokens.ts';

/** Who is calling. The roles model grows here; routes only ask `can…` questions. */
export interface Principal {
  tokenId: string;
  role: 'operator';
  ministryId: string | null;
}

/**
 * Bearer authentication for /v1. Every failure answers the same 401 so that
 * the response says nothing about which tokens exist.
 */
export function requireBearer(): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization');
    const match = header ? /^Bearer (\S+)$/i.exec(header) : null;
    if (!match?.[1]) {
      throw new ApiError(
        'unauthenticated',
        'this request needs an API token',
        'send "Authorization: Bearer <token>"; the local platform writes one to .gov-data/bootstrap-token',
      );
    }
    const row = await findActiveToken(c.get('db'), match[1]);
    if (!row) {
      throw new ApiError(
        'unauthenticated',
        'the API token is invalid, expired or revoked',
        'check GOV_TOKEN, or ask an operator for a new token',
      );
    }
    c.set('principal', { tokenId: row.id, role: row.role, ministryId: row.ministryId });
    await next();
  };
}

/** Operators manage every ministry. Ministry-scoped roles arrive with the identity model. */
export function assertCanManageMinistries(principal: Principal): void {
  if (principal.role !== 'operator') {
    throw new ApiError('forbidden', 'only platform operators can do this');
  }
}
