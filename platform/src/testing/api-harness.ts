import type { PlatformConfig } from '../config.ts';
import type { DatabaseHandle } from '../db/database.ts';
import { openTestDatabase } from '../db/test-database.ts';
import { createApi } from '../http/app.ts';
import { FixedWindowLimiter } from '../http/rate-limit.ts';
import type { Reconciler } from '../reconciler/reconciler.ts';
import { operatorToken } from './principals.ts';

export const testConfig: PlatformConfig = {
  apiPort: 0,
  gatewayPort: 8080,
  bindHost: '127.0.0.1',
  dataDir: '/nonexistent',
  databaseUrl: undefined,
  baseDomain: 'localhost',
  publicGatewayUrl: undefined,
  maxBundleBytes: 64 * 1024,
  idleTimeoutMs: 60_000,
  requestTimeoutMs: 30_000,
  startTimeoutMs: 15_000,
  resyncIntervalMs: 60_000,
  oidc: { kind: 'development', port: 0 },
  publicApiUrl: undefined,
};

export interface ApiHarness {
  database: DatabaseHandle;
  operatorToken: string;
  /** App ids the API asked the reconciler to look at. */
  enqueued: string[];
  request(
    method: string,
    path: string,
    options?: {
      body?: unknown;
      rawBody?: string;
      token?: string | null;
      headers?: Record<string, string>;
    },
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON shapes.
  ): Promise<{ status: number; json: any; headers: Headers }>;
  close(): Promise<void>;
}

/**
 * The API in-process over a real database (PGlite, or PostgreSQL when
 * DATABASE_URL is set). The reconciler is not wired: route tests check what
 * the API records as desired state; reconciler tests drive real workerd.
 */
export async function apiHarness(
  overrides: Partial<PlatformConfig> = {},
  options: { authFailuresPerMinute?: number } = {},
): Promise<ApiHarness> {
  const database = await openTestDatabase();
  const enqueued: string[] = [];
  const reconciler: Pick<Reconciler, 'enqueue'> = { enqueue: (id) => void enqueued.push(id) };
  const app = createApi({
    db: database.db,
    config: { ...testConfig, ...overrides },
    reconciler,
    // The security suite fails authentication on purpose, many times a minute.
    authFailures: new FixedWindowLimiter(options.authFailuresPerMinute ?? 100_000, 60_000),
  });
  const secret = await operatorToken(database.db);
  return {
    database,
    operatorToken: secret,
    enqueued,
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      const token = options.token === undefined ? secret : options.token;
      if (token !== null) headers.authorization = `Bearer ${token}`;
      let body: string | undefined = options.rawBody;
      if (options.body !== undefined) {
        body = JSON.stringify(options.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await app.request(path, { method, headers, body });
      const text = await res.text();
      // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON shapes.
      let json: any;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = text;
      }
      return { status: res.status, json, headers: res.headers };
    },
    close: () => database.close(),
  };
}

/** A minimal valid bundle around one ES module. */
export function bundleOf(source: string, extra: Record<string, unknown> = {}) {
  return {
    mainModule: 'index.js',
    modules: [
      { name: 'index.js', type: 'esModule', contentBase64: Buffer.from(source).toString('base64') },
    ],
    compatibilityDate: '2026-04-01',
    ...extra,
  };
}
