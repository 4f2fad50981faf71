import path from 'node:path';
import { z } from 'zod';
import type { AppRouting } from './drivers/kubernetes/manifests/route.ts';
import { hostPort } from './net/host-port.ts';

const port = z.coerce
  .number({ error: 'must be a port number: 0 (any free port) to 65535' })
  .int()
  .min(0, 'ports are 0 (any free port) to 65535')
  .max(65535, 'ports are 0 (any free port) to 65535');
const positiveMs = z.coerce
  .number({ error: 'must be a whole number of milliseconds' })
  .int()
  .min(1);

/** Platform settings, read from the environment once at start and validated. */
const configSchema = z.object({
  GOV_API_PORT: port.default(7070),
  GOV_GATEWAY_PORT: port.default(8080),
  /** Address both servers bind to. Loopback by default: opening to a network is a decision. */
  GOV_BIND_HOST: z.string().default('127.0.0.1'),
  GOV_DATA_DIR: z.string().min(1).default('./.gov-data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// URL')
    .optional(),
  /** Citizen hosts are <app>.<ministry>.<base domain>. */
  GOV_BASE_DOMAIN: z
    .string()
    .regex(/^[a-z0-9.-]+$/, 'GOV_BASE_DOMAIN is a DNS name like services.gouv.ml')
    .default('localhost'),
  /** Public URL scheme and port citizens use, when a proxy sits in front of the gateway. */
  GOV_PUBLIC_GATEWAY_URL: z.string().url().optional(),
  GOV_MAX_BUNDLE_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(10 * 1024 * 1024),
  GOV_IDLE_TIMEOUT_MS: positiveMs.default(5 * 60_000),
  GOV_REQUEST_TIMEOUT_MS: positiveMs.default(30_000),
  GOV_START_TIMEOUT_MS: positiveMs.default(15_000),
  GOV_RESYNC_INTERVAL_MS: positiveMs.default(30_000),
  /** How long apps' logs are kept (`gov logs`), in days. */
  GOV_LOG_RETENTION_DAYS: z.coerce
    .number({ error: 'must be a whole number of days' })
    .int()
    .min(1, 'keep logs at least 1 day')
    .max(366, 'keep logs at most 366 days')
    .default(7),
  /** Staff sign-in. Without an issuer the development provider starts on GOV_DEV_IDP_PORT. */
  GOV_OIDC_ISSUER: z.string().url().optional(),
  GOV_OIDC_CLIENT_ID: z.string().min(1).default('gov-admin'),
  GOV_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  GOV_OIDC_CLI_CLIENT_ID: z.string().min(1).default('gov-cli'),
  GOV_DEV_IDP_PORT: port.default(7071),
  /** The API's public URL, when a proxy fronts it: the admin panel's redirect URI is built from it. */
  GOV_PUBLIC_API_URL: z.string().url().optional(),
  /** Where apps run: `local` (workerd processes on this machine) or `kubernetes`. */
  GOV_DRIVER: z.enum(['local', 'kubernetes']).default('local'),
  /**
   * The key of the capabilities the platform's parts give each other. The same
   * for every replica (a Kubernetes Secret); generated in the data dir if unset.
   */
  GOV_INTERNAL_SECRET: z
    .string()
    .min(32, 'GOV_INTERNAL_SECRET needs at least 32 characters')
    .optional(),
  /** How runtimes and gateways reach the control plane, when not on this machine's loopback. */
  GOV_INTERNAL_API_URL: z.string().url().optional(),
  /** CPU each app instance may use, in thousandths of a core (a cap, enforced by cgroups). */
  GOV_APP_CPU_MILLICORES: z.coerce.number().int().min(50).max(64_000).default(500),
  /** With GOV_DRIVER=kubernetes: the app runtime image (runtime/container), from the national registry. */
  GOV_RUNTIME_IMAGE: z.string().min(1).optional(),
  /** With GOV_DRIVER=kubernetes: the namespace the control plane and gateway run in. */
  GOV_PLATFORM_NAMESPACE: z
    .string()
    .regex(/^[a-z0-9-]{1,63}$/)
    .default('gov-system'),
  /**
   * With GOV_DRIVER=kubernetes: the platform's storage service (the chart's
   * StatefulSet), where apps' KV, D1 and R2 data live, and the secret it
   * shares with the control plane. Without them, such bindings are refused.
   */
  GOV_STORAGE_URL: z
    .string()
    .url('GOV_STORAGE_URL is a URL, like http://gov-storage:8080')
    .optional(),
  GOV_STORAGE_KEY: z.string().min(32, 'GOV_STORAGE_KEY needs at least 32 characters').optional(),
  /**
   * With GOV_DRIVER=kubernetes: where app pods reach the gateway's service
   * binding relay (its Service), and the port the gateway serves it on.
   * Without the URL, service bindings are refused at deploy.
   */
  GOV_SERVICE_RELAY_URL: z
    .string()
    .url('GOV_SERVICE_RELAY_URL is a URL, like http://gov-gateway:8090')
    .optional(),
  GOV_SERVICE_RELAY_PORT: port.default(8090),
  /** With GOV_DRIVER=kubernetes: a rollout not available after this long is failed. */
  GOV_ROLLOUT_DEADLINE_SECONDS: z.coerce.number().int().min(10).max(3600).default(120),
  /**
   * With GOV_DRIVER=kubernetes: also publish each app's hostname straight to
   * its live version (`ingress` or `httproute`), besides the gateway.
   */
  GOV_K8S_APP_ROUTES: z.enum(['gateway', 'ingress', 'httproute']).default('gateway'),
  GOV_K8S_INGRESS_CLASS: z.string().min(1).default('nginx'),
  GOV_K8S_INGRESS_TLS_SECRET: z.string().min(1).optional(),
  /** The Gateway API gateway app routes attach to, as namespace/name. */
  GOV_K8S_GATEWAY: z
    .string()
    .regex(/^[a-z0-9-]+\/[a-z0-9-]+$/, 'GOV_K8S_GATEWAY is namespace/name')
    .default('gov-system/gov-gateway'),
  /** Set by `npm start --demo`: the control plane creates the demo ministry. */
  GOV_DEMO: z.enum(['0', '1']).default('0'),
});

export interface PlatformConfig {
  apiPort: number;
  gatewayPort: number;
  bindHost: string;
  dataDir: string;
  databaseUrl: string | undefined;
  baseDomain: string;
  publicGatewayUrl: string | undefined;
  maxBundleBytes: number;
  idleTimeoutMs: number;
  requestTimeoutMs: number;
  startTimeoutMs: number;
  resyncIntervalMs: number;
  logRetentionDays: number;
  oidc:
    | {
        kind: 'external';
        issuer: string;
        clientId: string;
        clientSecret: string;
        cliClientId: string;
      }
    | { kind: 'development'; port: number; codeTtlSeconds?: number };
  publicApiUrl: string | undefined;
  driver: 'local' | 'kubernetes';
  internalSecret: string | undefined;
  internalApiUrl: string | undefined;
  demo: boolean;
  appCpuMillicores: number;
  kubernetes: {
    runtimeImage: string;
    platformNamespace: string;
    progressDeadlineSeconds: number;
    routing: AppRouting;
    /** The storage service and its shared secret, or null: no KV, D1 or R2 on this cluster. */
    storage: { url: string; key: string } | null;
    /** The gateway's service binding relay (apps' address for it, its port), or null: none. */
    serviceRelay: { address: string; port: number } | null;
  };
}

export class ConfigError extends Error {
  readonly code = 'invalid_config';
}

function requireSecret(secret: string | undefined): string {
  if (!secret) {
    throw new ConfigError(
      'invalid configuration:\n  GOV_OIDC_CLIENT_SECRET: required with GOV_OIDC_ISSUER',
    );
  }
  return secret;
}

function storageOf(url: string | undefined, key: string | undefined) {
  // Trimmed as the storage pods trim their key file: a Secret made from a
  // file that ends in a newline must give both sides the same keys.
  if (url && key?.trim()) return { url, key: key.trim() };
  if (url || key) {
    throw new ConfigError(
      `invalid configuration:\n  ${url ? 'GOV_STORAGE_KEY' : 'GOV_STORAGE_URL'}: required with ${url ? 'GOV_STORAGE_URL' : 'GOV_STORAGE_KEY'} (the storage service and the secret it shares with the control plane)`,
    );
  }
  return null;
}

function requireRuntimeImage(image: string | undefined): string {
  if (!image) {
    throw new ConfigError(
      'invalid configuration:\n  GOV_RUNTIME_IMAGE: required with GOV_DRIVER=kubernetes (the app runtime image, e.g. registry.gov.ml/gov/runtime:1.0)',
    );
  }
  return image;
}

/** Reads and validates the environment; throws a ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): PlatformConfig {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  return {
    apiPort: c.GOV_API_PORT,
    gatewayPort: c.GOV_GATEWAY_PORT,
    bindHost: c.GOV_BIND_HOST,
    dataDir: path.resolve(c.GOV_DATA_DIR),
    databaseUrl: c.DATABASE_URL,
    baseDomain: c.GOV_BASE_DOMAIN,
    publicGatewayUrl: c.GOV_PUBLIC_GATEWAY_URL,
    maxBundleBytes: c.GOV_MAX_BUNDLE_BYTES,
    idleTimeoutMs: c.GOV_IDLE_TIMEOUT_MS,
    requestTimeoutMs: c.GOV_REQUEST_TIMEOUT_MS,
    startTimeoutMs: c.GOV_START_TIMEOUT_MS,
    resyncIntervalMs: c.GOV_RESYNC_INTERVAL_MS,
    logRetentionDays: c.GOV_LOG_RETENTION_DAYS,
    oidc: c.GOV_OIDC_ISSUER
      ? {
          kind: 'external',
          issuer: c.GOV_OIDC_ISSUER,
          clientId: c.GOV_OIDC_CLIENT_ID,
          clientSecret: requireSecret(c.GOV_OIDC_CLIENT_SECRET),
          cliClientId: c.GOV_OIDC_CLI_CLIENT_ID,
        }
      : { kind: 'development', port: c.GOV_DEV_IDP_PORT },
    publicApiUrl: c.GOV_PUBLIC_API_URL,
    driver: c.GOV_DRIVER,
    internalSecret: c.GOV_INTERNAL_SECRET,
    internalApiUrl: c.GOV_INTERNAL_API_URL,
    demo: c.GOV_DEMO === '1',
    appCpuMillicores: c.GOV_APP_CPU_MILLICORES,
    kubernetes: {
      runtimeImage: c.GOV_DRIVER === 'kubernetes' ? requireRuntimeImage(c.GOV_RUNTIME_IMAGE) : '',
      platformNamespace: c.GOV_PLATFORM_NAMESPACE,
      progressDeadlineSeconds: c.GOV_ROLLOUT_DEADLINE_SECONDS,
      storage:
        c.GOV_DRIVER === 'kubernetes' ? storageOf(c.GOV_STORAGE_URL, c.GOV_STORAGE_KEY) : null,
      serviceRelay:
        c.GOV_DRIVER === 'kubernetes' && c.GOV_SERVICE_RELAY_URL
          ? { address: hostPort(c.GOV_SERVICE_RELAY_URL), port: c.GOV_SERVICE_RELAY_PORT }
          : null,
      routing:
        c.GOV_K8S_APP_ROUTES === 'ingress'
          ? {
              kind: 'ingress',
              className: c.GOV_K8S_INGRESS_CLASS,
              ...(c.GOV_K8S_INGRESS_TLS_SECRET
                ? { tlsSecretName: c.GOV_K8S_INGRESS_TLS_SECRET }
                : {}),
            }
          : c.GOV_K8S_APP_ROUTES === 'httproute'
            ? {
                kind: 'httproute',
                gatewayNamespace: c.GOV_K8S_GATEWAY.split('/')[0] ?? '',
                gatewayName: c.GOV_K8S_GATEWAY.split('/')[1] ?? '',
              }
            : { kind: 'gateway' },
    },
  };
}
