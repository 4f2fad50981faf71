import { z } from 'zod';

/**
 * The container entrypoint's whole configuration, as environment variables
 * the Kubernetes driver sets on the pod. This is the one place they are
 * defined; runtime/README.md lists them for operators.
 *
 * The token never travels in the pod spec when it can be avoided: the driver
 * mounts it from a Secret and names the file (`GOV_ARTIFACT_TOKEN_FILE`).
 */
export const ENTRYPOINT_ENV = {
  GOV_ARTIFACT_URL: "the control plane's artifact route for this digest (http or https)",
  GOV_ARTIFACT_SHA256: 'the digest the artifact must hash to (64 lowercase hex)',
  GOV_ARTIFACT_TOKEN_FILE: 'file holding the bearer capability for that digest (preferred)',
  GOV_ARTIFACT_TOKEN: 'the capability itself, when no file is mounted',
  GOV_COMPATIBILITY_DATE: 'workerd compatibility date, like 2026-04-01',
  GOV_COMPATIBILITY_FLAGS: 'comma-separated workerd compatibility flags (optional)',
  GOV_VARS_FILE: 'JSON object of plain-text vars, mounted from a ConfigMap (optional)',
  GOV_SECRETS_DIR: 'directory with one file per secret, mounted from a Secret (optional)',
  GOV_MEMORY_MIB: "the app's JavaScript heap limit in MiB",
  GOV_LISTEN: 'where the app listens (default 0.0.0.0:8080)',
  GOV_LIVENESS_LISTEN: 'where the liveness worker listens (default 0.0.0.0:8081)',
  GOV_WORK_DIR: 'a writable directory (an emptyDir; default /tmp/gov): the root is read-only',
  GOV_DEPLOYMENT_ID: 'the deployment id, for log lines and the generated config (optional)',
  GOV_WORKERD_BINARY: 'path of workerd; set by the image (default: the npm package)',
  GOV_BINDINGS:
    'the app\'s storage bindings as JSON, like [{"kind":"kv","name":"CACHE"}] (optional)',
  GOV_STORAGE_ADDRESS: "the platform's storage service, host:port (with GOV_BINDINGS)",
  GOV_STORAGE_CAPABILITY_FILE:
    "file holding the app's storage capability, mounted from a Secret (with GOV_BINDINGS)",
  GOV_APP_ID: 'the app id the storage capability names (with GOV_BINDINGS)',
  GOV_MINISTRY_ID: 'the ministry id the storage capability names (with GOV_BINDINGS)',
  GOV_DURABLE_OBJECTS:
    'the app\'s Durable Object bindings as JSON, like [{"name":"COMPTEUR","className":"Compteur","sql":true}] (optional)',
  GOV_OBJECTS_DIR:
    "where the app's Durable Objects keep their state: its persistent volume (with GOV_DURABLE_OBJECTS)",
  GOV_SERVICES_FILE:
    "file holding the app's service bindings as JSON (name, relay address, headers), mounted from a Secret (optional)",
  GOV_SCHEDULED_LISTEN:
    "where the app's scheduled socket listens, for its cron triggers (optional, like 0.0.0.0:8082)",
  GOV_SCHEDULED_TOKEN_FILE:
    'file holding the bearer token scheduled events carry, mounted from a Secret (with GOV_SCHEDULED_LISTEN)',
} as const;

/** host:port, an IPv6 host in brackets. Ends up in the config as a quoted string either way. */
const ADDRESS = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+|\*):\d{1,5}$/;
const FLAG = /^[a-z0-9_]{1,64}$/;

function isCalendarDate(value: string): boolean {
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

export const address = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine((v) => ADDRESS.test(v), 'must be host:port, like 0.0.0.0:8080');

/** A JSON list in one variable, each item checked by `item`. */
const jsonList = <T extends z.ZodType>(item: T, shape: string, max: number) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'is not JSON' });
        return z.NEVER;
      }
    })
    .pipe(
      z
        .array(item, { error: `must be a JSON list of ${shape}` })
        .max(max, `lists at most ${max} bindings`),
    );

/** A storage binding as the driver lists it: KV namespaces, D1 databases, R2 buckets. */
const bindingsSchema = jsonList(
  z.strictObject({
    kind: z.enum(['kv', 'd1', 'r2']),
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/),
  }),
  '{"kind":"kv|d1|r2","name":"NAME"}',
  64,
);

/** Durable Object bindings as the driver lists them, as the bundle declared them. */
const objectsSchema = jsonList(
  z.strictObject({
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/),
    className: z.string().regex(/^[A-Za-z_$][A-Za-z0-9_$]{0,99}$/),
    sql: z.boolean(),
  }),
  '{"name","className","sql"}',
  16,
);

const envSchema = z.object({
  GOV_ARTIFACT_URL: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
  GOV_ARTIFACT_SHA256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters'),
  GOV_ARTIFACT_TOKEN_FILE: z.string().min(1).optional(),
  GOV_ARTIFACT_TOKEN: z.string().min(1).optional(),
  GOV_COMPATIBILITY_DATE: z
    .string()
    .refine(
      (v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && isCalendarDate(v),
      'must be a date like 2026-04-01',
    ),
  GOV_COMPATIBILITY_FLAGS: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((flag) => flag.trim())
        .filter(Boolean),
    )
    .refine((flags) => flags.every((f) => FLAG.test(f)), 'must be flags like nodejs_compat,…'),
  GOV_VARS_FILE: z.string().min(1).optional(),
  GOV_SECRETS_DIR: z.string().min(1).optional(),
  GOV_MEMORY_MIB: z
    .string()
    .regex(/^\d+$/, 'must be a whole number of MiB')
    .transform(Number)
    .refine((n) => n >= 16 && n <= 65_536, 'must be between 16 and 65536'),
  GOV_LISTEN: address('0.0.0.0:8080'),
  GOV_LIVENESS_LISTEN: address('0.0.0.0:8081'),
  GOV_WORK_DIR: z
    .string()
    .default('/tmp/gov')
    .refine((v) => v.startsWith('/'), 'must be an absolute path'),
  GOV_DEPLOYMENT_ID: z.string().min(1).max(200).optional(),
  GOV_WORKERD_BINARY: z.string().min(1).optional(),
  GOV_BINDINGS: bindingsSchema.optional(),
  GOV_STORAGE_ADDRESS: z
    .string()
    .refine((v) => ADDRESS.test(v), 'must be host:port, like gov-storage.gov-system.svc:8080')
    .optional(),
  GOV_STORAGE_CAPABILITY_FILE: z.string().min(1).optional(),
  GOV_APP_ID: z
    .string()
    .regex(/^app_[A-Za-z0-9_]+$/, 'must be an app id, like app_…')
    .optional(),
  GOV_MINISTRY_ID: z
    .string()
    .regex(/^min_[A-Za-z0-9_]+$/, 'must be a ministry id, like min_…')
    .optional(),
  GOV_SCHEDULED_LISTEN: z
    .string()
    .refine((v) => ADDRESS.test(v), 'must be host:port, like 0.0.0.0:8082')
    .optional(),
  GOV_SCHEDULED_TOKEN_FILE: z.string().min(1).optional(),
  GOV_SERVICES_FILE: z.string().min(1).optional(),
  GOV_DURABLE_OBJECTS: objectsSchema.optional(),
  GOV_OBJECTS_DIR: z
    .string()
    .refine((v) => v.startsWith('/'), 'must be an absolute path')
    .optional(),
});

/** With storage bindings, the way to the storage service and the identity presented there. */
const STORAGE_KEYS = [
  'GOV_STORAGE_ADDRESS',
  'GOV_STORAGE_CAPABILITY_FILE',
  'GOV_APP_ID',
  'GOV_MINISTRY_ID',
] as const;

/** Where the capability comes from: a mounted file, or the environment. */
export type TokenSource = { file: string } | { value: string };

export interface EntrypointSettings {
  deploymentId: string | undefined;
  artifact: { url: string; sha256: string; token: TokenSource };
  compatibilityDate: string;
  compatibilityFlags: string[];
  varsFile: string | undefined;
  secretsDir: string | undefined;
  memoryMib: number;
  listenAddress: string;
  livenessAddress: string;
  workDir: string;
  workerdBinary: string | undefined;
  /** Storage bindings and how to reach the storage service; none when the app has none. */
  storage: {
    bindings: Array<{ kind: 'kv' | 'd1' | 'r2'; name: string }>;
    address: string;
    capabilityFile: string;
    appId: string;
    ministryId: string;
  } | null;
  /** The app's Durable Objects, their state on the version's volume; none without. */
  durableObjects: {
    key: string;
    dir: string;
    classes: Array<{ name: string; className: string; sql: boolean }>;
  } | null;
  /** Where the app's service bindings are described (a Secret's file); none without. */
  servicesFile: string | undefined;
  /** The scheduled socket of an app with cron triggers, and its token's file; none without. */
  scheduled: { listenAddress: string; tokenFile: string } | null;
}

/** A misconfigured pod: its spec must change, so restarting will not help. */
export function settingsError(message: string): Error & { code: 'settings_invalid' } {
  return Object.assign(new Error(message), { code: 'settings_invalid' as const });
}

/**
 * The variables of `described` present in `env`, checked against `schema`,
 * and every problem in words that name the variable (and what it is for when
 * it is missing). An empty value is "unset": a driver templating
 * `value: ""` means nothing.
 */
export function readEnvironment<S extends z.ZodType>(
  env: NodeJS.ProcessEnv,
  described: Record<string, string>,
  schema: S,
) {
  const present: Record<string, string | undefined> = Object.fromEntries(
    Object.keys(described)
      .filter((key) => env[key] !== undefined && env[key] !== '')
      .map((key) => [key, env[key]]),
  );
  const parsed = schema.safeParse(present);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => {
        const key = String(issue.path[0] ?? 'environment');
        return issue.code === 'invalid_type' && present[key] === undefined
          ? `${key} is required (${described[key] ?? ''})`
          : `${key} ${issue.message}`;
      });
  return { present, parsed, problems };
}

/**
 * Reads and checks the environment. Every problem is reported at once, in
 * one line, naming the variable, so a `kubectl logs` shows the whole fix.
 */
export function parseSettings(env: NodeJS.ProcessEnv): EntrypointSettings {
  const { present, parsed, problems } = readEnvironment(env, ENTRYPOINT_ENV, envSchema);
  const tokenFile = present.GOV_ARTIFACT_TOKEN_FILE;
  const tokenValue = present.GOV_ARTIFACT_TOKEN;
  if (tokenFile !== undefined && tokenValue !== undefined) {
    problems.push('set GOV_ARTIFACT_TOKEN_FILE or GOV_ARTIFACT_TOKEN, not both');
  } else if (tokenFile === undefined && tokenValue === undefined) {
    problems.push('GOV_ARTIFACT_TOKEN_FILE (or GOV_ARTIFACT_TOKEN) is required');
  }
  if (parsed.success && (parsed.data.GOV_BINDINGS?.length ?? 0) > 0) {
    for (const key of STORAGE_KEYS) {
      if (present[key] === undefined) {
        problems.push(`${key} is required with GOV_BINDINGS (${ENTRYPOINT_ENV[key]})`);
      }
    }
  }
  if (parsed.success && (parsed.data.GOV_DURABLE_OBJECTS?.length ?? 0) > 0) {
    for (const key of ['GOV_OBJECTS_DIR', 'GOV_APP_ID'] as const) {
      if (present[key] === undefined) {
        problems.push(`${key} is required with GOV_DURABLE_OBJECTS (${ENTRYPOINT_ENV[key]})`);
      }
    }
  }
  if (
    (present.GOV_SCHEDULED_LISTEN === undefined) !==
    (present.GOV_SCHEDULED_TOKEN_FILE === undefined)
  ) {
    problems.push('set GOV_SCHEDULED_LISTEN and GOV_SCHEDULED_TOKEN_FILE together, or neither');
  }
  if (!parsed.success || problems.length > 0) {
    throw settingsError(`invalid settings: ${problems.join('; ')}`);
  }
  const s = parsed.data;
  const bindings = s.GOV_BINDINGS ?? [];
  return {
    deploymentId: s.GOV_DEPLOYMENT_ID,
    artifact: {
      url: s.GOV_ARTIFACT_URL,
      sha256: s.GOV_ARTIFACT_SHA256,
      token: tokenFile !== undefined ? { file: tokenFile } : { value: tokenValue ?? '' },
    },
    compatibilityDate: s.GOV_COMPATIBILITY_DATE,
    compatibilityFlags: s.GOV_COMPATIBILITY_FLAGS,
    varsFile: s.GOV_VARS_FILE,
    secretsDir: s.GOV_SECRETS_DIR,
    memoryMib: s.GOV_MEMORY_MIB,
    listenAddress: s.GOV_LISTEN,
    livenessAddress: s.GOV_LIVENESS_LISTEN,
    workDir: s.GOV_WORK_DIR,
    workerdBinary: s.GOV_WORKERD_BINARY,
    storage:
      bindings.length > 0
        ? {
            bindings,
            address: s.GOV_STORAGE_ADDRESS ?? '',
            capabilityFile: s.GOV_STORAGE_CAPABILITY_FILE ?? '',
            appId: s.GOV_APP_ID ?? '',
            ministryId: s.GOV_MINISTRY_ID ?? '',
          }
        : null,
    servicesFile: s.GOV_SERVICES_FILE,
    durableObjects:
      (s.GOV_DURABLE_OBJECTS?.length ?? 0) > 0
        ? {
            // The namespaces' unique key: the app, so every version finds the same objects.
            key: s.GOV_APP_ID ?? '',
            dir: s.GOV_OBJECTS_DIR ?? '',
            classes: s.GOV_DURABLE_OBJECTS ?? [],
          }
        : null,
    scheduled:
      s.GOV_SCHEDULED_LISTEN && s.GOV_SCHEDULED_TOKEN_FILE
        ? { listenAddress: s.GOV_SCHEDULED_LISTEN, tokenFile: s.GOV_SCHEDULED_TOKEN_FILE }
        : null,
  };
}
