import { RefusalAggregator } from '../audit/refusals.ts';
import type { PlatformConfig } from '../config.ts';
import type { DatabaseHandle } from '../db/database.ts';
import { openTestDatabase } from '../db/test-database.ts';
import { providedOnKubernetes } from '../drivers/kubernetes/provides.ts';
import { createApi } from '../http/app.ts';
import { FixedWindowLimiter } from '../http/rate-limit.ts';
import type { StaffIdentity } from '../identity/staff-identity.ts';
import type { MasterKeys } from '../secrets/master-key.ts';
import { SecretVault } from '../secrets/vault.ts';
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
  logRetentionDays: 7,
  oidc: { kind: 'development', port: 0 },
  publicApiUrl: undefined,
  driver: 'local',
  internalSecret: undefined,
  internalApiUrl: undefined,
  demo: false,
  appCpuMillicores: 500,
  kubernetes: {
    runtimeImage: '',
    platformNamespace: 'gov-system',
    progressDeadlineSeconds: 120,
    storage: null,
    serviceRelay: null,
    routing: { kind: 'gateway' },
  },
};

/** The master key of in-process API tests: fixed, so sealed values can be checked. */
export const TEST_MASTER_KEYS: MasterKeys = {
  current: { id: 'test-master', key: Buffer.alloc(32, 7) },
  previous: undefined,
};

/** The internal secret of in-process API tests: capabilities are derived from it. */
export const TEST_INTERNAL_SECRET = Buffer.from('test-internal-secret-of-at-least-32-characters');

export interface ApiHarness {
  database: DatabaseHandle;
  operatorToken: string;
  /** App ids the API asked the reconciler to look at. */
  enqueued: string[];
  /** How many times the API said routes changed. */
  routeChanges: () => number;
  /** Refused attempts waiting to be written as one record. */
  refusals: RefusalAggregator;
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
  options: {
    authFailuresPerMinute?: number;
    /** Staff sign-in; without it the /v1/auth routes answer 503 "not configured". */
    identity?: StaffIdentity;
    /** What the API logs (an unexpected error's stack, among others). */
    log?: (entry: Record<string, unknown>) => void;
  } = {},
): Promise<ApiHarness> {
  const database = await openTestDatabase();
  const enqueued: string[] = [];
  let routeChanges = 0;
  const refusals = new RefusalAggregator(database.db);
  const config = { ...testConfig, ...overrides };
  const app = createApi({
    db: database.db,
    config,
    // As the driver of that name would say; the embedded default provides every binding.
    ...(config.driver === 'kubernetes'
      ? {
          provides: providedOnKubernetes({
            storage: config.kubernetes.storage !== null,
            services: config.kubernetes.serviceRelay !== null,
          }),
        }
      : {}),
    reconciler: { enqueue: (id) => void enqueued.push(id) },
    routes: {
      routes: [],
      subscribe: () => () => {},
      onClose: () => {},
      changed: async () => {
        routeChanges += 1;
      },
    },
    internalSecret: TEST_INTERNAL_SECRET,
    vault: new SecretVault(TEST_MASTER_KEYS),
    refusals,
    // The security suite fails authentication on purpose, many times a minute.
    authFailures: new FixedWindowLimiter(options.authFailuresPerMinute ?? 100_000, 60_000),
    identity: options.identity,
    log: options.log,
  });
  const secret = await operatorToken(database.db);
  return {
    database,
    operatorToken: secret,
    enqueued,
    routeChanges: () => routeChanges,
    refusals,
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
    close: async () => {
      await refusals.stop();
      await database.close();
    },
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
