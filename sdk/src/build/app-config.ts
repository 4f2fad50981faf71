import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { CronError, MAX_CRONS, parseCron, SECRET_NAME } from '@gov/contract';
import { UserError } from '../cli/errors.ts';
import { type AssetsSetting, readAssetsSetting } from './assets-setting.ts';
import { resolveEnvironment } from './config-env.ts';
import { CONFIG_FILES, configFileAbove, configFileIn, parseConfigFile } from './config-file.ts';

export interface ModuleRule {
  type: string;
  globs: string[];
}

/** What gov reads from an app's wrangler config. */
export interface AppConfig {
  /** The config file (wrangler.toml, wrangler.json or wrangler.jsonc). */
  file: string;
  /** The project folder: the config's folder, where relative paths start. */
  dir: string;
  /** The settings in force (environment applied), minus `gov` and `env`: what wrangler builds. */
  wrangler: Record<string, unknown>;
  name: string | undefined;
  ministry: string | undefined;
  /** The Worker's entry file, relative to the config, e.g. "src/index.ts". */
  main: string | undefined;
  /** wrangler `rules`: how non-JavaScript imports are typed (e.g. .md files as Text). */
  rules: ModuleRule[];
  compatibilityDate: string | undefined;
  compatibilityFlags: string[];
  vars: Record<string, string>;
  /** `gov.memoryMib` and `gov.instances`: what the version asks for, within the ministry's quota. */
  limits: { memoryMib?: number; instances?: number };
  /** `gov.healthPath`: probed before the version takes traffic. */
  healthPath: string | undefined;
  /** `gov.secrets`: the secrets the app needs; a deploy fails naming one that is not set. */
  secrets: string[];
  /** Platform services bound into the app: `kv_namespaces`, `d1_databases` and `r2_buckets`. */
  bindings: Array<{ kind: 'kv' | 'd1' | 'r2'; name: string }>;
  /** Static assets (`assets`): uploaded with the code, served by Gov in front of it. */
  assets?: AssetsSetting;
  /** Cron triggers (`triggers.crons`, UTC): the platform calls the app's scheduled handler. */
  crons: string[];
  /** Service bindings (`services`): other apps of the same ministry, by binding name and app. */
  services: Array<{ name: string; app: string }>;
  /** Durable Object classes the app binds (`durable_objects`), SQL-backed as its migrations say. */
  durableObjects: Array<{ name: string; className: string; sql: boolean }>;
  /** Per D1 binding, where its migrations are and the table that records them (wrangler's defaults). */
  d1Migrations: Record<string, { dir: string; table: string }>;
  /** Settings that mean nothing on Gov (a Cloudflare account id…), one line each, for stderr. */
  notes: string[];
}

export interface ReadOptions {
  /** `--env <name>`: one of the config's environments. */
  env?: string;
}

const CONFIG_NAMES = CONFIG_FILES.join(', ');

/**
 * Where the project is for `gov deploy [target]`: a folder holding a
 * wrangler config, a config file itself, or an entry point (as in
 * `wrangler deploy src/index.ts`), whose nearest config above it is used.
 */
export function locateProject(target: string): { file: string; entry: string | undefined } {
  if (!existsSync(target)) {
    throw new UserError('not_found', `no folder or file ${target}`, {
      hint: 'run gov deploy in your app folder, or give its path: gov deploy path/to/app',
    });
  }
  if (statSync(target).isDirectory()) {
    const file = configFileIn(target);
    if (!file) {
      throw new UserError(
        'no_config',
        `no wrangler config in ${target} (looked for ${CONFIG_NAMES})`,
        {
          hint: 'run gov deploy in an app folder, or copy templates/demarche to start one',
        },
      );
    }
    return { file, entry: undefined };
  }
  if ((CONFIG_FILES as readonly string[]).includes(path.basename(target))) {
    return { file: target, entry: undefined };
  }
  const file = configFileAbove(target);
  if (!file) {
    throw new UserError('no_config', `no wrangler config in the folders above ${target}`, {
      hint: `add a wrangler.toml with "name" and "compatibility_date" beside your project (${CONFIG_NAMES})`,
    });
  }
  return { file, entry: path.relative(path.dirname(file), path.resolve(target)) };
}

/**
 * Reads an app's wrangler config (`wrangler.toml`, `wrangler.json` or
 * `wrangler.jsonc`, as wrangler does): what wrangler needs to build it, and
 * what gov needs to deploy it (`gov.ministry`). Settings Gov does not support
 * are refused here, before anything is built.
 *
 * @example
 * const config = readAppConfig('templates/demarche');
 * console.log(config.name, config.ministry); // "demarche" "demo"
 * readAppConfig('src/index.ts', { env: 'staging' }); // the entry given, [env.staging] applied
 */
export function readAppConfig(target: string, options: ReadOptions = {}): AppConfig {
  const { file, entry } = locateProject(target);
  const fileName = path.basename(file);
  const { settings, notes } = resolveEnvironment(parseConfigFile(file), options.env, fileName);
  // wrangler builds the code; the bindings Gov provides are Gov's to read, not wrangler's.
  const {
    gov,
    kv_namespaces: kvNamespaces,
    d1_databases: d1Databases,
    r2_buckets: r2Buckets,
    assets: rawAssets,
    triggers,
    services: rawServices,
    durable_objects: rawObjects,
    migrations,
    ...wrangler
  } = settings;
  const durableObjects = readDurableObjects(rawObjects, migrations, fileName);
  const services = readServices(rawServices, fileName);
  const crons = readCrons(triggers, fileName);
  // wrangler never sees the assets: Gov uploads and serves them itself.
  const assets = readAssetsSetting(rawAssets, fileName, path.dirname(file));
  const d1Migrations = d1MigrationSettings(d1Databases, path.dirname(file));
  const bindings = [
    ...platformBindings('kv', kvNamespaces, fileName, notes),
    ...platformBindings('d1', d1Databases, fileName, notes),
    ...platformBindings('r2', r2Buckets, fileName, notes),
  ];
  const names = [
    ...bindings,
    ...services,
    ...durableObjects,
    ...(assets?.binding ? [{ name: assets.binding }] : []),
  ];
  const twice = names.find((b, i) => names.findIndex((o) => o.name === b.name) !== i);
  if (twice) {
    throw new UserError('invalid_config', `${twice.name} is bound twice in ${fileName}`, {
      hint: 'give each binding (KV, D1, R2, service, Durable Object, assets) its own name',
    });
  }
  if (entry !== undefined) wrangler.main = entry;
  if (gov !== undefined && (typeof gov !== 'object' || gov === null || Array.isArray(gov))) {
    throw new UserError('invalid_config', `"gov" in ${fileName} must be a table`, {
      hint: 'for example "gov": { "ministry": "demo" }, or [gov] in TOML',
    });
  }
  const govSection = (gov ?? {}) as Record<string, unknown>;
  const vars: Record<string, string> = {};
  const rawVars = wrangler.vars;
  if (
    rawVars !== undefined &&
    (typeof rawVars !== 'object' || rawVars === null || Array.isArray(rawVars))
  ) {
    throw new UserError(
      'invalid_config',
      `"vars" in ${fileName} must be a table of names and values`,
      {
        hint: 'for example "vars": { "MINISTRY_NAME": "Santé" }',
      },
    );
  }
  for (const [key, value] of Object.entries(rawVars ?? {})) {
    // workerd binds text; structured values are passed as their JSON.
    vars[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  const flags = wrangler.compatibility_flags ?? [];
  if (!Array.isArray(flags) || flags.some((f) => typeof f !== 'string')) {
    throw new UserError(
      'invalid_config',
      `"compatibility_flags" in ${fileName} must be a list of names`,
      {
        hint: 'for example "compatibility_flags": ["nodejs_compat"]',
      },
    );
  }
  for (const key of ['name', 'main', 'compatibility_date'] as const) {
    if (wrangler[key] !== undefined && typeof wrangler[key] !== 'string') {
      throw new UserError('invalid_config', `"${key}" in ${fileName} must be text`, {
        hint:
          key === 'compatibility_date'
            ? 'for example "2026-04-01"'
            : `for example "${key === 'main' ? 'src/index.ts' : 'mon-service'}"`,
      });
    }
  }
  const rules = Array.isArray(wrangler.rules)
    ? wrangler.rules.flatMap((r: unknown): ModuleRule[] => {
        const { type, globs } = (r ?? {}) as { type?: unknown; globs?: unknown };
        if (typeof type !== 'string' || !Array.isArray(globs)) return [];
        return [{ type, globs: globs.filter((g): g is string => typeof g === 'string') }];
      })
    : [];
  return {
    file,
    dir: path.dirname(file),
    wrangler,
    notes,
    limits: {
      memoryMib: govInteger(govSection, 'memoryMib', file),
      instances: govInteger(govSection, 'instances', file),
    },
    healthPath: govHealthPath(govSection, file),
    secrets: govSecrets(govSection, file),
    bindings,
    ...(assets ? { assets } : {}),
    crons,
    services,
    durableObjects,
    d1Migrations,
    name: wrangler.name as string | undefined,
    ministry: typeof govSection.ministry === 'string' ? govSection.ministry : undefined,
    main: wrangler.main as string | undefined,
    rules,
    compatibilityDate: wrangler.compatibility_date as string | undefined,
    compatibilityFlags: flags as string[],
    vars,
  };
}

function govInteger(gov: Record<string, unknown>, key: string, file: string): number | undefined {
  const value = gov[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new UserError(
      'invalid_config',
      `gov.${key} in ${path.basename(file)} must be a whole number`,
      {
        hint: key === 'memoryMib' ? 'for example "memoryMib": 128' : 'for example "instances": 2',
      },
    );
  }
  return value;
}

function govHealthPath(gov: Record<string, unknown>, file: string): string | undefined {
  const value = gov.healthPath;
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !value.startsWith('/')) {
    throw new UserError(
      'invalid_config',
      `gov.healthPath in ${path.basename(file)} must be a path`,
      {
        hint: 'for example "healthPath": "/healthz"',
      },
    );
  }
  return value;
}

function govSecrets(gov: Record<string, unknown>, file: string): string[] {
  const value = gov.secrets;
  if (value === undefined) return [];
  if (
    !Array.isArray(value) ||
    value.some((name) => typeof name !== 'string' || !SECRET_NAME.test(name))
  ) {
    throw new UserError(
      'invalid_config',
      `gov.secrets in ${path.basename(file)} must be a list of secret names`,
      { hint: 'for example "secrets": ["API_KEY"]: letters, digits and _' },
    );
  }
  return value as string[];
}

/** What each kind of platform binding is called in wrangler's config, and what it may hold. */
const bindingKinds = {
  kv: {
    setting: 'kv_namespaces',
    what: 'KV namespace',
    example: 'for example kv_namespaces = [{ binding = "KV" }]',
    /** Cloudflare's names for the thing: noted, since the data is the app's own here. */
    cloudflare: ['id', 'preview_id'],
    gov: [] as string[],
    code: 'KV',
    thing: 'namespace',
  },
  d1: {
    setting: 'd1_databases',
    what: 'D1 database',
    example: 'for example d1_databases = [{ binding = "DB" }]',
    cloudflare: ['database_id', 'database_name', 'preview_database_id'],
    // wrangler's own migration folder: `gov d1 execute --file` applies them.
    gov: ['migrations_dir', 'migrations_table'],
    code: 'DB',
    thing: 'database',
  },
  r2: {
    setting: 'r2_buckets',
    what: 'R2 bucket',
    example: 'for example r2_buckets = [{ binding = "FILES" }]',
    cloudflare: ['bucket_name', 'preview_bucket_name', 'jurisdiction'],
    gov: [] as string[],
    code: 'FILES',
    thing: 'bucket',
  },
} as const;

/**
 * `kv_namespaces`, `d1_databases` and `r2_buckets` as Gov provides them:
 * each binding is a namespace, database or bucket of the app's own, named by the binding. A
 * Cloudflare id means nothing here (and could never name another app's
 * data): noted, not used.
 */
function platformBindings(
  kind: keyof typeof bindingKinds,
  raw: unknown,
  fileName: string,
  notes: string[],
): Array<{ kind: 'kv' | 'd1' | 'r2'; name: string }> {
  if (raw === undefined) return [];
  const { setting, what, example, cloudflare, gov, code, thing } = bindingKinds[kind];
  if (!Array.isArray(raw)) {
    throw new UserError('invalid_config', `"${setting}" in ${fileName} must be a list`, {
      hint: example,
    });
  }
  return raw.map((entry: unknown) => {
    const { binding, ...rest } = (entry ?? {}) as Record<string, unknown>;
    if (typeof binding !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(binding)) {
      throw new UserError(
        'invalid_config',
        `each of "${setting}" in ${fileName} needs a "binding": the name the code reads, like ${code}`,
        { hint: example },
      );
    }
    const keys = Object.keys(rest);
    const other = keys.find(
      (k) =>
        !(cloudflare as readonly string[]).includes(k) && !(gov as readonly string[]).includes(k),
    );
    if (other !== undefined) {
      throw new UserError(
        'unsupported_setting',
        `"${other}" of ${what} ${binding} in ${fileName} is not supported on Gov`,
        { hint: `a Gov ${what} takes a "binding" name only` },
      );
    }
    if (keys.some((k) => (cloudflare as readonly string[]).includes(k))) {
      notes.push(
        `the ${keys.filter((k) => (cloudflare as readonly string[]).includes(k)).join(' and ')} of ${what} ${binding} in ${fileName} ${keys.length > 1 ? 'are' : 'is'} not used on Gov: the ${thing} is the app's own, named ${binding}`,
      );
    }
    return { kind, name: binding };
  });
}

/** `triggers = { crons = [...] }` as wrangler reads it, each schedule checked before anything is built. */
function readCrons(raw: unknown, fileName: string): string[] {
  if (raw === undefined) return [];
  const example = 'for example [triggers] crons = ["0 3 * * *"] (UTC)';
  const crons = (raw as { crons?: unknown } | null)?.crons;
  const stray =
    typeof raw === 'object' && raw !== null
      ? Object.keys(raw).find((k) => k !== 'crons')
      : undefined;
  if (stray !== undefined) {
    // Often a top-level setting written after [triggers] in TOML, which puts it inside.
    throw new UserError(
      'invalid_config',
      `"triggers.${stray}" in ${fileName} is not a trigger setting`,
      {
        hint: `[triggers] takes crons only; in TOML, write top-level settings such as ${stray} before the first [table]`,
      },
    );
  }
  if (
    typeof raw !== 'object' ||
    raw === null ||
    Object.keys(raw).some((k) => k !== 'crons') ||
    !Array.isArray(crons) ||
    crons.some((c) => typeof c !== 'string')
  ) {
    throw new UserError('invalid_config', `"triggers" in ${fileName} must hold a list of crons`, {
      hint: example,
    });
  }
  if (crons.length > MAX_CRONS) {
    throw new UserError('invalid_config', `${fileName} names ${crons.length} cron triggers`, {
      hint: `an app may have at most ${MAX_CRONS}; one handler can branch on controller.cron`,
    });
  }
  for (const cron of crons as string[]) {
    try {
      parseCron(cron);
    } catch (error) {
      if (!(error instanceof CronError)) throw error;
      throw new UserError('invalid_config', `${error.message} (in ${fileName})`, { hint: example });
    }
  }
  return crons as string[];
}

/**
 * `services = [{ binding = "ETAT_CIVIL", service = "etat-civil" }]` as Gov
 * provides it: another app of the same ministry, reached with fetch. An
 * RPC entrypoint or a legacy service environment is refused, never dropped.
 */
function readServices(raw: unknown, fileName: string): Array<{ name: string; app: string }> {
  if (raw === undefined) return [];
  const example = 'for example services = [{ binding = "ETAT_CIVIL", service = "etat-civil" }]';
  if (!Array.isArray(raw)) {
    throw new UserError('invalid_config', `"services" in ${fileName} must be a list`, {
      hint: example,
    });
  }
  return raw.map((entry: unknown) => {
    const { binding, service, ...rest } = (entry ?? {}) as Record<string, unknown>;
    if (typeof binding !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(binding)) {
      throw new UserError(
        'invalid_config',
        `each of "services" in ${fileName} needs a "binding": the name the code reads, like ETAT_CIVIL`,
        { hint: example },
      );
    }
    if (typeof service !== 'string' || !/^[a-z][a-z0-9-]{0,38}[a-z0-9]$/.test(service)) {
      throw new UserError(
        'invalid_config',
        `service binding ${binding} in ${fileName} needs a "service": the name of another app of the ministry`,
        { hint: example },
      );
    }
    const other = Object.keys(rest)[0];
    if (other !== undefined) {
      throw new UserError(
        'unsupported_setting',
        `"${other}" of service binding ${binding} in ${fileName} is not supported on Gov`,
        {
          hint:
            other === 'entrypoint'
              ? 'Gov binds the other app’s default fetch handler only: call env.' +
                binding +
                '.fetch(request)'
              : 'a Gov service binding takes "binding" and "service" only',
        },
      );
    }
    return { name: binding, app: service };
  });
}

/**
 * `durable_objects.bindings` and the `migrations` that declare their
 * classes, as wrangler reads them. A class of another Worker
 * (`script_name`) and the migrations Gov does not apply yet (renames,
 * deletions, transfers) are refused; a bound class no migration declares
 * is refused as Workers refuses it.
 */
function readDurableObjects(
  raw: unknown,
  rawMigrations: unknown,
  fileName: string,
): Array<{ name: string; className: string; sql: boolean }> {
  const example =
    'for example [[durable_objects.bindings]] name = "COMPTEUR" class_name = "Compteur", and [[migrations]] tag = "v1" new_sqlite_classes = ["Compteur"]';
  const sqlClasses = new Set<string>();
  const kvClasses = new Set<string>();
  if (rawMigrations !== undefined) {
    if (!Array.isArray(rawMigrations)) {
      throw new UserError('invalid_config', `"migrations" in ${fileName} must be a list`, {
        hint: example,
      });
    }
    for (const migration of rawMigrations as unknown[]) {
      const { tag, new_classes, new_sqlite_classes, ...rest } = (migration ?? {}) as Record<
        string,
        unknown
      >;
      const other = Object.keys(rest)[0];
      if (other !== undefined) {
        throw new UserError(
          'unsupported_setting',
          `"${other}" in the migrations of ${fileName} is not supported on Gov yet`,
          { hint: 'Gov applies new_classes and new_sqlite_classes; keep the class under its name' },
        );
      }
      if (typeof tag !== 'string') {
        throw new UserError('invalid_config', `each migration in ${fileName} needs a "tag"`, {
          hint: example,
        });
      }
      for (const [list, into] of [
        [new_classes, kvClasses],
        [new_sqlite_classes, sqlClasses],
      ] as const) {
        if (list === undefined) continue;
        if (!Array.isArray(list) || list.some((c) => typeof c !== 'string')) {
          throw new UserError(
            'invalid_config',
            `the classes of migration ${tag} in ${fileName} must be a list of names`,
            { hint: example },
          );
        }
        for (const name of list as string[]) into.add(name);
      }
    }
  }
  if (raw === undefined) return [];
  const bindings = (raw as { bindings?: unknown } | null)?.bindings;
  if (typeof raw !== 'object' || raw === null || !Array.isArray(bindings)) {
    throw new UserError(
      'invalid_config',
      `"durable_objects" in ${fileName} must hold a list of bindings`,
      { hint: example },
    );
  }
  return bindings.map((entry: unknown) => {
    const { name, class_name: className, ...rest } = (entry ?? {}) as Record<string, unknown>;
    if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) {
      throw new UserError(
        'invalid_config',
        `each Durable Object binding in ${fileName} needs a "name": the name the code reads, like COMPTEUR`,
        { hint: example },
      );
    }
    if (typeof className !== 'string' || !/^[A-Za-z_$][A-Za-z0-9_$]{0,99}$/.test(className)) {
      throw new UserError(
        'invalid_config',
        `Durable Object binding ${name} in ${fileName} needs a "class_name": a class the app exports`,
        { hint: example },
      );
    }
    const other = Object.keys(rest)[0];
    if (other !== undefined) {
      throw new UserError(
        'unsupported_setting',
        `"${other}" of Durable Object binding ${name} in ${fileName} is not supported on Gov`,
        {
          hint:
            other === 'script_name'
              ? 'an app reaches its own Durable Objects only: export the class from this app, or call the other app through a service binding'
              : 'a Gov Durable Object binding takes "name" and "class_name"',
        },
      );
    }
    if (!sqlClasses.has(className) && !kvClasses.has(className)) {
      throw new UserError(
        'invalid_config',
        `no migration in ${fileName} declares the Durable Object class ${className}`,
        { hint: `add [[migrations]] tag = "v1" new_sqlite_classes = ["${className}"]` },
      );
    }
    return { name, className, sql: sqlClasses.has(className) };
  });
}

/**
 * Where each D1 database's migrations are, as wrangler finds them:
 * `migrations_dir` (default `migrations`, beside the config) and
 * `migrations_table` (default `d1_migrations`). Entries are checked by
 * `platformBindings`; this only reads the two settings.
 */
function d1MigrationSettings(
  raw: unknown,
  projectDir: string,
): Record<string, { dir: string; table: string }> {
  const out: Record<string, { dir: string; table: string }> = {};
  if (!Array.isArray(raw)) return out;
  for (const entry of raw as Array<Record<string, unknown> | null>) {
    const binding = entry?.binding;
    if (typeof binding !== 'string') continue;
    const dir = typeof entry?.migrations_dir === 'string' ? entry.migrations_dir : 'migrations';
    const table =
      typeof entry?.migrations_table === 'string' ? entry.migrations_table : 'd1_migrations';
    out[binding] = { dir: path.resolve(projectDir, dir), table };
  }
  return out;
}
