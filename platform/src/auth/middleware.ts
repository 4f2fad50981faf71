import { roleTooLow } from '@gov/contract';
import type { MiddlewareHandler } from 'hono';
import { ApiError, notFound } from '../errors.ts';
import { clientIp } from '../http/client-ip.ts';
import type { ApiEnv } from '../http/env.ts';
import type { FixedWindowLimiter } from '../http/rate-limit.ts';
import { ministryByName } from '../routes/lookup.ts';
import type { Access } from './access.ts';
import { principalForToken, roleAtLeast } from './principal.ts';
import { findActiveToken } from './tokens.ts';

/**
 * Bearer authentication. Every failure answers the same 401, so nothing
 * says which tokens exist. Failed attempts are counted per address, and past
 * the limit a failing address gets 429 instead; valid credentials are never
 * refused because of that counter, so nobody behind the same NAT can lock
 * an operator out by guessing.
 */
export function authenticate(failures: FixedWindowLimiter): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const ip = clientIp(c);
    const header = c.req.header('authorization');
    const match = header ? /^Bearer (\S+)$/i.exec(header) : null;
    const row = match?.[1] ? await findActiveToken(c.get('db'), match[1]) : undefined;
    const principal = row ? await principalForToken(c.get('db'), row) : undefined;
    if (principal) {
      c.set('principal', principal);
      return next();
    }
    const blocked = failures.check(ip);
    if (!blocked.allowed) {
      c.header('retry-after', String(blocked.retryAfterSeconds));
      throw new ApiError(
        'rate_limited',
        'too many failed authentication attempts from this address',
        `wait ${blocked.retryAfterSeconds} s`,
      );
    }
    failures.hit(ip);
    if (!match?.[1]) {
      throw new ApiError(
        'unauthenticated',
        'this request needs an API token',
        'sign in with `gov login`, or send "Authorization: Bearer <token>"',
      );
    }
    throw new ApiError(
      'unauthenticated',
      'the API token is invalid, expired or revoked',
      'sign in again with `gov login`, or ask an admin for a new token',
    );
  };
}

/** Applies a route's Access rule; when the path names a ministry, loads it into the context. */
export function authorize(rule: Access): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const principal = c.get('principal');
    if (rule.kind === 'operator' && !principal.operator) {
      throw new ApiError(
        'forbidden',
        'only platform operators can do this',
        'ask a platform operator',
      );
    }
    const name = c.req.param('ministry');
    if (name !== undefined && (rule.kind === 'operator' || rule.kind === 'ministry')) {
      const ministry = await ministryByName(c.get('db'), name);
      const role = ministry ? principal.roles.get(ministry.id) : undefined;
      // No role in that ministry: exactly the answer for a ministry that does not exist.
      if (!ministry || (!principal.operator && role === undefined)) {
        if (ministry) {
          c.set('accessDenied', true);
          c.set('probedMinistryId', ministry.id);
        }
        throw notFound(
          `ministry "${name}"`,
          'list the ministries you belong to with `gov ministries list` (GET /v1/ministries)',
        );
      }
      if (rule.kind === 'ministry' && !principal.operator && !roleAtLeast(role, rule.minimum)) {
        c.set('accessDenied', true);
        const { message, hint } = roleTooLow(name, role, rule.minimum);
        throw new ApiError('forbidden', message, hint);
      }
      c.set('ministry', ministry);
    }
    await next();
  };
}
