import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { registerAdmin } from '../admin/routes.ts';
import type { PlatformConfig } from '../config.ts';
import type { Database } from '../db/database.ts';
import { ApiError } from '../errors.ts';
import type { StaffIdentity } from '../identity/staff-identity.ts';
import { newId } from '../ids.ts';
import type { Reconciler } from '../reconciler/reconciler.ts';
import { registerRoutes } from '../routes/index.ts';
import type { ApiEnv } from './env.ts';
import { FixedWindowLimiter } from './rate-limit.ts';

export interface ApiDeps {
  db: Database;
  config: PlatformConfig;
  reconciler: Pick<Reconciler, 'enqueue'>;
  /** For /readyz: false until the boot reconcile has run. */
  isReady?: () => boolean;
  log?: (entry: Record<string, unknown>) => void;
  /** Failed authentications per client address; shared so tests can tune it. */
  authFailures?: FixedWindowLimiter;
  /** The configured OpenID Provider, when staff sign-in is set up. */
  identity?: StaffIdentity;
}

/** Sign-in attempts (admin panel and `gov login`) per client address per minute. */
export const LOGIN_ATTEMPTS_PER_MINUTE = 20;

/** Past this many failed authentications a minute, an address is refused (429) until the minute ends. */
export const AUTH_FAILURES_PER_MINUTE = 30;

/** The control-plane API as a Hono app: testable in-process with `app.request()`. */
export function createApi(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const log = deps.log ?? (() => {});
  const loginAttempts = new FixedWindowLimiter(LOGIN_ATTEMPTS_PER_MINUTE, 60_000);

  app.use(async (c, next) => {
    const requestId = newId('request');
    c.set('requestId', requestId);
    c.set('db', deps.db);
    c.set('config', deps.config);
    c.set('reconciler', deps.reconciler);
    c.set('identity', deps.identity);
    c.set('loginAttempts', loginAttempts);
    c.header('x-request-id', requestId);
    await next();
  });

  registerAdmin(app);
  registerRoutes(app, {
    isReady: deps.isReady ?? (() => true),
    authFailures: deps.authFailures ?? new FixedWindowLimiter(AUTH_FAILURES_PER_MINUTE, 60_000),
  });

  app.notFound((c) =>
    c.json(
      envelope(
        new ApiError(
          'not_found',
          `no API route for ${c.req.method} ${c.req.path}`,
          'see the API reference in platform/README.md',
        ),
        c.get('requestId'),
      ),
      404,
    ),
  );

  app.onError((error, c) => {
    const requestId = c.get('requestId') ?? newId('request');
    if (error instanceof ApiError) {
      return c.json(envelope(error, requestId), error.status);
    }
    if (error instanceof HTTPException && error.status < 500) {
      return c.json(
        envelope(new ApiError('invalid_request', error.message), requestId),
        error.status,
      );
    }
    // A bug: log the details, tell the caller only the request id.
    log({ level: 'error', requestId, message: error.message, stack: error.stack });
    return c.json(
      envelope(
        new ApiError(
          'internal_error',
          'the platform hit an unexpected error',
          'retry; if it persists, give the request id to the platform team',
        ),
        requestId,
      ),
      500,
    );
  });
  return app;
}

function envelope(error: ApiError, requestId: string) {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.hint ? { hint: error.hint } : {}),
      requestId,
    },
  };
}
