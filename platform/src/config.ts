import path from 'node:path';
import { z } from 'zod';

const port = z.coerce
  .number()
  .int()
  .min(0, 'ports are 0 (any free port) to 65535')
  .max(65535, 'ports are 0 (any free port) to 65535');
const positiveMs = z.coerce.number().int().min(1);

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
  /** Staff sign-in. Without an issuer the development provider starts on GOV_DEV_IDP_PORT. */
  GOV_OIDC_ISSUER: z.string().url().optional(),
  GOV_OIDC_CLIENT_ID: z.string().min(1).default('gov-admin'),
  GOV_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  GOV_OIDC_CLI_CLIENT_ID: z.string().min(1).default('gov-cli'),
  GOV_DEV_IDP_PORT: port.default(7071),
  /** The API's public URL, when a proxy fronts it: the admin panel's redirect URI is built from it. */
  GOV_PUBLIC_API_URL: z.string().url().optional(),
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
  };
}
