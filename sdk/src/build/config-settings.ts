import { UserError } from '../cli/errors.ts';

/**
 * Every top-level setting of a wrangler config, and what Gov does with it.
 * Nothing is dropped in silence: a setting is read by Gov, used by wrangler
 * while it builds, noted as meaningless here (a Cloudflare account setting),
 * or refused with what Gov offers instead. A setting not in this table is
 * refused as unknown.
 */
export type SettingHandling =
  /** Read by Gov (and passed to wrangler for the build). */
  | { kind: 'read' }
  /** Used by wrangler while it builds; nothing of it exists at run time. */
  | { kind: 'build' }
  /** Means something only on Cloudflare's own service: noted once on stderr, then unused. */
  | { kind: 'noted'; why: string }
  /** Refused at deploy: `offer` says what to do instead. */
  | { kind: 'refused'; offer: string };

const read = { kind: 'read' } as const;
const build = { kind: 'build' } as const;
const noted = (why: string) => ({ kind: 'noted', why }) as const;
const refused = (offer: string) => ({ kind: 'refused', offer }) as const;

export const settings: Readonly<Record<string, SettingHandling>> = {
  $schema: noted('editor schema'),
  name: read,
  main: read,
  compatibility_date: read,
  compatibility_flags: read,
  vars: read,
  rules: read,
  env: read,
  gov: read,
  build: build,
  no_bundle: build,
  minify: build,
  keep_names: build,
  tsconfig: build,
  jsx_factory: build,
  jsx_fragment: build,
  define: build,
  alias: build,
  base_dir: build,
  find_additional_modules: build,
  preserve_file_names: build,
  upload_source_maps: build,
  account_id: noted('a Cloudflare account; Gov deploys to your ministry'),
  workers_dev: noted('workers.dev is Cloudflare’s; Gov serves the app at <app>.<ministry>'),
  preview_urls: noted('preview URLs are Cloudflare’s; every Gov version has its own status'),
  send_metrics: noted('gov never sends wrangler metrics'),
  keep_vars: noted('every Gov version carries the vars of its config'),
  observability: noted('Gov keeps every app’s logs (`gov logs`)'),
  logpush: noted('Gov keeps every app’s logs (`gov logs`)'),
  dev: noted('settings of `wrangler dev`'),
  legacy_env: noted('Gov reads environments as wrangler does by default'),
  usage_model: noted('Gov limits apps by quota, not a usage model'),
  compliance_region: noted('Gov keeps all data in the country'),
  first_party_worker: noted('a Cloudflare-internal setting'),
  routes: refused(
    'Gov serves each app at <app>.<ministry> on the platform’s domain; ask an operator for another domain',
  ),
  route: refused(
    'Gov serves each app at <app>.<ministry> on the platform’s domain; ask an operator for another domain',
  ),
  limits: refused('set "gov": { "memoryMib": 128 } instead; CPU is capped per instance by Gov'),
  placement: refused('Gov runs every app in the national data center'),
  node_compat: refused('use "compatibility_flags": ["nodejs_compat"]'),
  kv_namespaces: read,
  d1_databases: read,
  r2_buckets: read,
  assets: read,
  site: refused('Workers Sites are deprecated; serve static files from your code'),
  triggers: read,
  durable_objects: read,
  migrations: read,
  services: read,
  queues: refused('Gov has no queues: store work in a database your app polls'),
  workflows: refused('Gov has no Workflows'),
  ai: refused('Gov has no AI binding: no model runs outside the country through Gov'),
  vectorize: refused('Gov has no vector index'),
  hyperdrive: refused('Gov has no Hyperdrive'),
  browser: refused('Gov has no browser rendering'),
  images: refused('Gov has no image service'),
  analytics_engine_datasets: refused('Gov meters requests itself (`gov` usage)'),
  send_email: refused('Gov sends no e-mail for apps'),
  dispatch_namespaces: refused('Gov has no dispatch namespaces'),
  mtls_certificates: refused('Gov has no client certificates for apps'),
  tail_consumers: refused('read logs with `gov logs`'),
  streaming_tail_consumers: refused('read logs with `gov logs`'),
  pipelines: refused('Gov has no pipelines'),
  secrets_store_secrets: refused('Gov has no secrets store binding'),
  secrets: refused(
    'name the secrets the app needs in "gov": { "secrets": ["API_KEY"] } and set each with `gov secrets put`',
  ),
  containers: refused('Gov runs Workers code only'),
  cloudchamber: refused('Gov runs Workers code only'),
  python_modules: refused('Gov runs JavaScript and WebAssembly Workers only'),
  unsafe: refused('unsafe bindings are not allowed on Gov'),
  unsafe_hello_world: refused('unsafe bindings are not allowed on Gov'),
  ratelimits: refused('Gov limits requests per app by quota'),
  worker_loaders: refused('Gov has no worker loaders'),
  version_metadata: refused('Gov has no version metadata binding; read GOV vars instead'),
  wasm_modules: refused('import .wasm files from your ES module instead'),
  text_blobs: refused('import text files from your ES module instead (see "rules")'),
  data_blobs: refused('import binary files from your ES module instead (see "rules")'),
};

/**
 * Checks the keys of one level of a config (the top level, or one `env.<name>`
 * section) and returns the notes to print. Throws on the first refused or
 * unknown setting, naming it and what to do instead.
 */
export function checkSettings(raw: Record<string, unknown>, where: string): string[] {
  const notes: string[] = [];
  for (const key of Object.keys(raw)) {
    const handling = Object.hasOwn(settings, key) ? settings[key] : undefined;
    if (!handling) {
      throw new UserError('invalid_config', `unknown setting "${key}" in ${where}`, {
        hint: 'check its spelling against the wrangler configuration reference, or remove it',
      });
    }
    if (handling.kind === 'refused') {
      throw new UserError('unsupported_setting', `"${key}" in ${where} is not supported on Gov`, {
        hint: handling.offer,
      });
    }
    if (handling.kind === 'noted' && key !== '$schema') {
      notes.push(`"${key}" in ${where} is not used on Gov (${handling.why})`);
    }
  }
  return notes;
}

/**
 * Settings an environment does not inherit from the top level, as in
 * wrangler: each environment names its own vars and bindings.
 */
export const notInherited: ReadonlySet<string> = new Set([
  'vars',
  'define',
  'kv_namespaces',
  'd1_databases',
  'r2_buckets',
  'durable_objects',
  'services',
  'queues',
  'workflows',
  'ai',
  'vectorize',
  'hyperdrive',
  'browser',
  'images',
  'analytics_engine_datasets',
  'send_email',
  'dispatch_namespaces',
  'mtls_certificates',
  'tail_consumers',
  'streaming_tail_consumers',
  'pipelines',
  'secrets_store_secrets',
  'unsafe',
  'ratelimits',
  'worker_loaders',
  'version_metadata',
]);
