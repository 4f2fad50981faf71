import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readAppConfig } from './app-config.ts';
import { settings } from './config-settings.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'gov-config-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const write = (name: string, text: string) => writeFile(path.join(dir, name), text);

const TOML = `
name = "rendez-vous"
main = "src/index.ts"
compatibility_date = 2026-04-01
compatibility_flags = ["nodejs_compat"]
account_id = "0123456789abcdef"

[vars]
SERVICE = "Prise de rendez-vous"
MAX = 3

[gov]
ministry = "sante"
memoryMib = 192

[env.staging]
vars = { SERVICE = "Essai" }

[env.staging.gov]
memoryMib = 128

[env.production]
name = "rdv"
`;

describe('readAppConfig', () => {
  it('reads wrangler.toml as wrangler does: dates as text, numbers as vars, the gov table', async () => {
    await write('wrangler.toml', TOML);
    const config = readAppConfig(dir);
    expect(config).toMatchObject({
      name: 'rendez-vous',
      ministry: 'sante',
      main: 'src/index.ts',
      compatibilityDate: '2026-04-01',
      compatibilityFlags: ['nodejs_compat'],
      vars: { SERVICE: 'Prise de rendez-vous', MAX: '3' },
      limits: { memoryMib: 192 },
      dir,
    });
    // What wrangler builds has no gov section and no environments.
    expect(config.wrangler).not.toHaveProperty('gov');
    expect(config.wrangler).not.toHaveProperty('env');
    // A Cloudflare account id is noted, never silently dropped.
    expect(config.notes).toEqual([
      expect.stringMatching(/"account_id" in wrangler\.toml is not used on Gov/),
    ]);
  });

  it('binds KV namespaces, D1 databases and R2 buckets of the app own, Cloudflare names noted', async () => {
    await write(
      'wrangler.toml',
      'name = "pieces"\nmain = "index.js"\nkv_namespaces = [{ binding = "KV" }]\nd1_databases = [{ binding = "DB" }]\n\n[[r2_buckets]]\nbinding = "FILES"\nbucket_name = "pieces-jointes"\n',
    );
    const config = readAppConfig(dir);
    expect(config.bindings).toEqual([
      { kind: 'kv', name: 'KV' },
      { kind: 'd1', name: 'DB' },
      { kind: 'r2', name: 'FILES' },
    ]);
    // wrangler never sees them: the platform provides them, not Cloudflare.
    expect(config.wrangler).not.toHaveProperty('r2_buckets');
    expect(config.notes).toEqual([
      expect.stringMatching(/the bucket_name of R2 bucket FILES .* the bucket is the app's own/),
    ]);
  });

  it('applies --env: inheritable settings kept, vars from the environment alone, name suffixed', async () => {
    await write('wrangler.toml', TOML);
    const staging = readAppConfig(dir, { env: 'staging' });
    expect(staging).toMatchObject({
      name: 'rendez-vous-staging',
      main: 'src/index.ts',
      compatibilityDate: '2026-04-01',
      vars: { SERVICE: 'Essai' },
      ministry: 'sante',
      limits: { memoryMib: 128 },
    });
    const production = readAppConfig(dir, { env: 'production' });
    expect(production.name).toBe('rdv');
    expect(production.vars).toEqual({});
    expect(() => readAppConfig(dir, { env: 'prod' })).toThrow(
      expect.objectContaining({
        message: 'no environment "prod" in wrangler.toml',
        hint: 'environments there: staging, production',
      }),
    );
  });

  it('prefers wrangler.json, then wrangler.jsonc, then wrangler.toml, as wrangler does', async () => {
    await write('wrangler.toml', 'name = "from-toml"');
    expect(readAppConfig(dir).name).toBe('from-toml');
    await write('wrangler.jsonc', '{ "name": "from-jsonc", }');
    expect(readAppConfig(dir).name).toBe('from-jsonc');
    await write('wrangler.json', '{ "name": "from-json" }');
    expect(readAppConfig(dir).name).toBe('from-json');
  });

  it('takes an entry point given on the command line, with the nearest config above it', async () => {
    await write('wrangler.toml', 'name = "api"\nmain = "src/index.ts"');
    await mkdir(path.join(dir, 'src'));
    await write('src/other.ts', 'export default {}');
    const config = readAppConfig(path.join(dir, 'src/other.ts'));
    expect(config.main).toBe(path.join('src', 'other.ts'));
    expect(config.wrangler.main).toBe(path.join('src', 'other.ts'));
    expect(config.dir).toBe(dir);
    // A config file can be named too.
    expect(readAppConfig(path.join(dir, 'wrangler.toml')).name).toBe('api');
  });

  it.each([
    [
      '[[r2_buckets]]\nbucket_name = "x"',
      /each of "r2_buckets" in wrangler\.toml needs a "binding"/,
    ],
    ['r2_buckets = [{ binding = "FILES", remote = true }]', /"remote" of R2 bucket FILES/],
    [
      'kv_namespaces = [{ binding = "FILES" }]\nr2_buckets = [{ binding = "FILES" }]',
      /FILES is bound twice/,
    ],
    [
      'kv_namespaces = [{ id = "x" }]',
      /each of "kv_namespaces" in wrangler\.toml needs a "binding"/,
    ],
    ['kv_namespaces = [{ binding = "KV", remote = true }]', /"remote" of KV namespace KV/],
    [
      'kv_namespaces = [{ binding = "KV" }]\nd1_databases = [{ binding = "KV" }]',
      /KV is bound twice/,
    ],
    ['[[d1_databases]]\nbinding = "DB"\nremote = true', /"remote" of D1 database DB/],
    [
      '[assets]\ndirectory = "public"',
      /the assets directory public named in wrangler\.toml does not exist/,
    ],
    ['[assets]\nbinding = "ASSETS"', /"assets" in wrangler\.toml needs a "directory"/],
    [
      '[assets]\ndirectory = "."\nhtml_handling = "auto"',
      /"assets\.html_handling" .* must be one of auto-trailing-slash/,
    ],
    [
      '[assets]\ndirectory = "."\nserve_directly = true',
      /"assets\.serve_directly" in wrangler\.toml is not supported/,
    ],
    [
      '[assets]\ndirectory = "."\nrun_worker_first = "/api"',
      /"assets\.run_worker_first" .* true, false or a list/,
    ],
    [
      'kv_namespaces = [{ binding = "ASSETS" }]\n[assets]\ndirectory = "."\nbinding = "ASSETS"',
      /ASSETS is bound twice/,
    ],
    ['[triggers]\ncrons = ["0 * * *"]', /"0 \* \* \*" has 4 fields; a cron has 5/],
    [
      'services = [{ binding = "ETAT" }]',
      /service binding ETAT in wrangler\.toml needs a "service"/,
    ],
    [
      'services = [{ binding = "ETAT", service = "etat-civil", entrypoint = "Registre" }]',
      /"entrypoint" of service binding ETAT in wrangler\.toml is not supported on Gov/,
    ],
    [
      'kv_namespaces = [{ binding = "ETAT" }]\nservices = [{ binding = "ETAT", service = "etat-civil" }]',
      /ETAT is bound twice/,
    ],
    [
      '[[durable_objects.bindings]]\nname = "C"\nclass_name = "Compteur"',
      /no migration in wrangler\.toml declares the Durable Object class Compteur/,
    ],
    [
      '[[durable_objects.bindings]]\nname = "C"\nclass_name = "Compteur"\nscript_name = "autre"',
      /"script_name" of Durable Object binding C in wrangler\.toml is not supported on Gov/,
    ],
    [
      '[[migrations]]\ntag = "v2"\nrenamed_classes = [{ from = "A", to = "B" }]',
      /"renamed_classes" in the migrations of wrangler\.toml is not supported on Gov yet/,
    ],
    [
      '[triggers]\ncrons = ["0 3 * * *"]\nservices = []',
      /"triggers\.services" in wrangler\.toml is not a trigger setting/,
    ],
    ['[triggers]\ncrons = "0 * * * *"', /"triggers" in wrangler\.toml must hold a list of crons/],
    ['[triggers]\ncrons = ["0 0 L * *"]', /not supported on Gov/],
    ['routes = ["example.org/*"]', /"routes"/],
    ['[ai]\nbinding = "AI"', /"ai" in wrangler\.toml is not supported on Gov/],
    ['[env.staging]\nqueues = {}', /"queues" in environment "staging" of wrangler\.toml/],
    ['colour = "bleu"', /unknown setting "colour" in wrangler\.toml/],
    ['name = 3', /"name" in wrangler\.toml must be text/],
    ['vars = "A=1"', /"vars" in wrangler\.toml must be a table/],
    ['compatibility_flags = "nodejs_compat"', /"compatibility_flags" .* must be a list/],
    ['name = ', /wrangler\.toml is not valid TOML \(.* on line 1\)/],
  ])('refuses %j with the setting named and what to do', async (toml, message) => {
    await write('wrangler.toml', `${toml}\n`);
    let error: (Error & { hint?: string }) | undefined;
    try {
      readAppConfig(dir, { env: toml.includes('[env.staging]') ? 'staging' : undefined });
    } catch (e) {
      error = e as Error & { hint?: string };
    }
    expect(error?.message).toMatch(message);
    expect(error?.hint).toBeTruthy();
  });

  it('names what Gov offers instead for every refused setting', () => {
    for (const [key, handling] of Object.entries(settings)) {
      if (handling.kind === 'refused') expect(handling.offer, key).toMatch(/\w{3,}/);
    }
  });

  it('reports a JSONC error with its line', async () => {
    await write('wrangler.jsonc', '{\n  "name": "x",\n  "main": \n}');
    expect(() => readAppConfig(dir)).toThrow(
      /wrangler\.jsonc is not valid JSONC \(ValueExpected on line 4\)/,
    );
  });
});
