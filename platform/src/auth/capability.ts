import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../errors.ts';
import type { ApiEnv } from '../http/env.ts';
import type { Access } from './access.ts';
import { verifyCapability } from './internal-secret.ts';

/**
 * Routes for the platform's own parts accept only a capability derived from
 * the internal secret: the one for exactly this artifact, or the gateway's.
 * Staff tokens are not accepted, and nothing here counts failed attempts
 * against an address (no valid caller can be locked out by a neighbour).
 */
export function authorizeCapability(
  rule: Extract<Access, { kind: 'capability' }>,
): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const presented = /^Bearer (\S+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    const purpose =
      rule.purpose === 'artifact'
        ? (`artifact:${c.req.param('sha256') ?? ''}` as const)
        : rule.purpose === 'secrets'
          ? (`secrets:${c.req.param('deploymentId') ?? ''}` as const)
          : 'gateway';
    if (!presented || !verifyCapability(c.get('internalSecret'), purpose, presented)) {
      throw new ApiError(
        'unauthenticated',
        'this route serves the platform’s own components and needs their capability',
        'staff tokens are not accepted here; use the ministry API routes',
      );
    }
    await next();
  };
}
