import type { AppLogEntry } from '@gov/contract';
import type { ScheduledOutcome } from '@gov/runtime';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { registerAdmin } from '../admin/routes.ts';
import { RefusalAggregator } from '../audit/refusals.ts';
import type { PlatformConfig } from '../config.ts';
import type { Database } from '../db/database.ts';
import type {
  LogQuery,
  ProvidedBindings,
  RequestLogEntry,
  ScheduledRequest,
  SqlAnswer,
  SqlRequest,
} from '../drivers/driver.ts';
import { ApiError } from '../errors.ts';
import type { StaffIdentity } from '../identity/staff-identity.ts';
import { newId } from '../ids.ts';
import type { RuntimeInfo } from '../routes/health/readyz.ts';
import { registerRoutes } from '../routes/index.ts';
import type { SecretVault } from '../secrets/vault.ts';
import type { ApiEnv, ReconcileTrigger, RoutesChannel } from './env.ts';
import { FixedWindowLimiter } from './rate-limit.ts';

export interface ApiDeps {
  db: Database;
  config: PlatformConfig;
  reconciler: ReconcileTrigger;
  /** The routes gateways follow; API changes that affect them say so through it. */
  routes: RoutesChannel;
  internalSecret: Buffer;
  /** Seals and opens app secrets. */
  vault: SecretVault;
  /** Which Workers bindings the cluster provides (default: all, as the embedded default does). */
  provides?: ProvidedBindings;
  /** Runs SQL in an app's D1 database (`gov d1 execute`), where the driver provides them. */
  sql?: (request: SqlRequest) => Promise<SqlAnswer>;
  /** Delivers a scheduled event to a version (`gov crons run`), where cron triggers are provided. */
  scheduled?: (request: ScheduledRequest) => Promise<ScheduledOutcome>;
  /** What a ministry keeps in KV and D1 (for its quota), where the driver stores them. */
  storageUsage?: (ministryId: string) => Promise<number>;
  /** Reads an app's logs (`gov logs`), where the driver keeps them. */
  logs?: (query: LogQuery) => Promise<AppLogEntry[]>;
  /** Keeps the gateways' request records, where the control plane keeps the logs (a cluster). */
  requestLogs?: (entries: RequestLogEntry[]) => Promise<void>;
  /** For /readyz: false until the boot reconcile has run. */
  isReady?: () => boolean;
  /** How apps run and how their limits are enforced, for /readyz. */
  runtime?: () => Promise<RuntimeInfo>;
  log?: (entry: Record<string, unknown>) => void;
  /** Failed authentications per client address; shared so tests can tune it. */
  authFailures?: FixedWindowLimiter;
  /** The configured OpenID Provider, when staff sign-in is set up. */
  identity?: StaffIdentity;
  /** Where refused attempts are counted before they are written; one per process. */
  refusals?: RefusalAggregator;
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
  const refusals = deps.refusals ?? new RefusalAggregator(deps.db);
  const provides = deps.provides ?? {
    storage: true,
    durableObjects: true,
    services: true,
    crons: true,
  };

  app.use(async (c, next) => {
    const requestId = newId('request');
    c.set('requestId', requestId);
    c.set('db', deps.db);
    c.set('config', deps.config);
    c.set('reconciler', deps.reconciler);
    c.set('routes', deps.routes);
    c.set('vault', deps.vault);
    c.set('provides', provides);
    c.set('sql', deps.sql);
    c.set('scheduled', deps.scheduled);
    c.set('logs', deps.logs);
    c.set('requestLogs', deps.requestLogs);
    c.set('storageUsage', deps.storageUsage);
    c.set('internalSecret', deps.internalSecret);
    c.set('identity', deps.identity);
    c.set('loginAttempts', loginAttempts);
    c.set('refusals', refusals);
    c.header('x-request-id', requestId);
    await next();
  });

  // Paths are checked once for all routes: a NUL, a control character or
  // malformed percent-encoding (a lone surrogate has no valid UTF-8) is
  // refused before anything reads it, let alone stores it.
  app.use(async (c, next) => {
    const url = new URL(c.req.url);
    let decoded: string;
    try {
      decoded = decodeURIComponent(url.pathname) + decodeURIComponent(url.search);
    } catch {
      throw new ApiError('invalid_request', 'the address is not valid percent-encoded UTF-8');
    }
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused.
    if (/[\u0000-\u001f\u007f]/.test(decoded)) {
      throw new ApiError('invalid_request', 'the address contains a control character');
    }
    await next();
  });

  registerAdmin(app);
  registerRoutes(app, {
    isReady: deps.isReady ?? (() => true),
    runtime: deps.runtime,
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
