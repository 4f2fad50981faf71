import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { citizenRequest } from '../support/citizen.ts';
import { gov } from '../support/gov-cli.ts';
import { api, type PlatformProcess, startPlatformProcess } from '../support/platform-process.ts';

/**
 * An ordinary Workers project, as a ministry developer brings it: a
 * wrangler.toml with environments, in a folder of their own outside this
 * repository, deployed with the real CLI and a developer's API token that
 * names one ministry. Then the mistakes a new user makes.
 */
let platform: PlatformProcess;
let project = '';
let developerEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  platform = await startPlatformProcess();
  for (const [name, displayName] of [
    ['demo', 'Ministère de démonstration'],
    ['sante', 'Ministère de la Santé'],
  ]) {
    expect((await api(platform, 'POST', '/v1/ministries', { name, displayName })).status).toBe(201);
  }
  const token = await api(platform, 'POST', '/v1/ministries/demo/tokens', {
    label: 'CI du projet bonjour',
    role: 'developer',
  });
  expect(token.status).toBe(201);
  developerEnv = { ...platform.cliEnv, GOV_TOKEN: token.json.token };
  project = await mkdtemp(path.join(tmpdir(), 'bonjour-'));
  await mkdir(path.join(project, 'src'));
  await writeFile(
    path.join(project, 'wrangler.toml'),
    `# An ordinary Workers project: no gov section at all.
name = "bonjour"
main = "src/index.ts"
compatibility_date = 2026-04-01
account_id = "0123456789abcdef0123456789abcdef"

[vars]
STAGE = "production"

[env.staging]
vars = { STAGE = "staging" }
`,
  );
  await writeFile(
    path.join(project, 'src/index.ts'),
    `export default {
  fetch: (_request: Request, env: { STAGE: string }) => new Response(\`bonjour depuis \${env.STAGE}\`),
};
`,
  );
  await writeFile(
    path.join(project, 'src/autre.ts'),
    'export default { fetch: () => new Response("autre entrée") };\n',
  );
}, 60_000);

afterAll(async () => {
  await platform?.destroy();
  if (project) await rm(project, { recursive: true, force: true });
});

describe('a wrangler.toml project deployed with gov deploy', () => {
  it('deploys from its own folder with --env, to the only ministry of the token', async () => {
    const result = await gov(['deploy', '--env', 'staging'], developerEnv, project);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(`http://bonjour-staging.demo.localhost:${platform.gatewayPort}/\n`);
    // The Cloudflare account id is said to be unused, not dropped in silence.
    expect(result.stderr).toMatch(/note: "account_id" in wrangler\.toml is not used on Gov/);
    const page = await citizenRequest(result.stdout.trim());
    expect(page).toMatchObject({ status: 200, body: 'bonjour depuis staging' });
  });

  it('deploys an entry point named on the command line, as wrangler deploy src/index.ts does', async () => {
    const result = await gov(['deploy', 'src/autre.ts', '--app', 'autre'], developerEnv, project);
    expect(result.code, result.stderr).toBe(0);
    const page = await citizenRequest(result.stdout.trim());
    expect(page).toMatchObject({ status: 200, body: 'autre entrée' });
  });

  it('lists apps and versions of the only ministry without --ministry', async () => {
    const apps = await gov(['apps', 'list'], developerEnv, project);
    expect(apps.code, apps.stderr).toBe(0);
    expect(apps.stdout).toMatch(/^bonjour-staging\s+1\s+1\s+http:/m);
    const versions = await gov(['deployments', 'list', 'bonjour-staging'], developerEnv, project);
    expect(versions.code, versions.stderr).toBe(0);
    expect(versions.stdout).toMatch(/^1\s+ready\s+live/m);
  });

  it('refuses a binding Gov does not provide before building, naming it, and creates nothing', async () => {
    const other = await mkdtemp(path.join(tmpdir(), 'kv-'));
    try {
      await writeFile(
        path.join(other, 'wrangler.toml'),
        'name = "compteur"\nmain = "index.js"\ncompatibility_date = "2026-04-01"\n\n[[queues.producers]]\nbinding = "Q"\nqueue = "q"\n',
      );
      await writeFile(path.join(other, 'index.js'), 'export default { fetch() {} };\n');
      const result = await gov(['deploy'], developerEnv, other);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /^gov: "queues" in wrangler\.toml is not supported on Gov\n {2}hint: Gov has no queues/,
      );
      expect(result.stderr).not.toMatch(/build/);
      const apps = await api(platform, 'GET', '/v1/ministries/demo/apps');
      expect(apps.json.apps.map((a: { name: string }) => a.name)).not.toContain('compteur');
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('serves a site with static assets, an R2 bucket, a Durable Object and a cron trigger, through the gateway, as Workers does', async () => {
    const site = await mkdtemp(path.join(tmpdir(), 'pieces-'));
    try {
      await writeFile(
        path.join(site, 'wrangler.toml'),
        `name = "pieces"
main = "src/index.js"
compatibility_date = "2026-04-01"

[assets]
directory = "./public"
binding = "ASSETS"
not_found_handling = "404-page"

[[r2_buckets]]
binding = "PIECES"
bucket_name = "pieces-jointes"

[triggers]
crons = ["0 2 * * *"]

[[durable_objects.bindings]]
name = "FILE"
class_name = "FileAttente"

[[migrations]]
tag = "v1"
new_sqlite_classes = ["FileAttente"]
`,
      );
      await mkdir(path.join(site, 'src'));
      await mkdir(path.join(site, 'public/css'), { recursive: true });
      await writeFile(path.join(site, 'public/index.html'), '<h1>Déposer une pièce</h1>');
      await writeFile(path.join(site, 'public/css/site.css'), 'body { margin: 0 }');
      await writeFile(path.join(site, 'public/404.html'), '<h1>Page introuvable</h1>');
      await writeFile(
        path.join(site, 'src/index.js'),
        `import { DurableObject } from 'cloudflare:workers';
// The counter's queue: one ticket number after another, whatever the load.
export class FileAttente extends DurableObject {
  async fetch() {
    const n = ((await this.ctx.storage.get('dernier')) ?? 0) + 1;
    await this.ctx.storage.put('dernier', n);
    return new Response('ticket ' + n);
  }
}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/ticket') return env.FILE.get(env.FILE.idFromName('guichet')).fetch(request);
    if (url.pathname.startsWith('/pieces/')) {
      const key = url.pathname.slice('/pieces/'.length);
      if (request.method === 'PUT') {
        const stored = await env.PIECES.put(key, request.body, { httpMetadata: { contentType: 'application/pdf' } });
        return Response.json({ key: stored.key, size: stored.size });
      }
      const object = await env.PIECES.get(key);
      if (!object) return new Response('aucune pièce', { status: 404 });
      const headers = new Headers();
      object.writeHttpMetadata(headers);
      return new Response(object.body, { headers });
    }
    return env.ASSETS.fetch(request);
  },
  // The nightly report: how many pieces were filed, kept in the bucket.
  async scheduled(controller, env) {
    const listed = await env.PIECES.list({ prefix: 'acte-' });
    await env.PIECES.put('rapport.txt', controller.cron + ' : ' + listed.objects.length + ' pièce(s)');
  },
};
`,
      );
      const result = await gov(['deploy'], developerEnv, site);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toMatch(/note: the bucket_name of R2 bucket PIECES/);
      const base = result.stdout.trim();
      expect(await citizenRequest(base)).toMatchObject({
        status: 200,
        body: '<h1>Déposer une pièce</h1>',
      });
      const css = await citizenRequest(`${base}css/site.css`);
      expect(css).toMatchObject({ status: 200, body: 'body { margin: 0 }' });
      expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
      // Not an asset: the app's code asks ASSETS, whose not_found_handling answers.
      expect(await citizenRequest(`${base}nulle-part`)).toMatchObject({
        status: 404,
        body: '<h1>Page introuvable</h1>',
      });
      const scan = '%PDF-1.7 acte de naissance'.repeat(1000);
      const put = await citizenRequest(`${base}pieces/acte-42.pdf`, { method: 'PUT', body: scan });
      expect(JSON.parse(put.body)).toEqual({ key: 'acte-42.pdf', size: scan.length });
      const back = await citizenRequest(`${base}pieces/acte-42.pdf`);
      expect(back).toMatchObject({ status: 200, body: scan });
      expect(back.headers['content-type']).toBe('application/pdf');
      // A Durable Object keeps its count, one ticket after another.
      expect((await citizenRequest(`${base}ticket`)).body).toBe('ticket 1');
      expect((await citizenRequest(`${base}ticket`)).body).toBe('ticket 2');
      // The cron trigger's handler, run now as its schedule would run it.
      const ran = await gov(['crons', 'run', '--app', 'pieces'], developerEnv, site);
      expect(ran.code, ran.stderr).toBe(0);
      expect(ran.stdout).toMatch(/0 2 \* \* \*\s+manual\s+ok/);
      expect(await citizenRequest(`${base}pieces/rapport.txt`)).toMatchObject({
        status: 200,
        body: '0 2 * * * : 1 pièce(s)',
      });
      const listed = await gov(['crons', 'list', '--app', 'pieces'], developerEnv, site);
      expect(listed.code, listed.stderr).toBe(0);
      expect(listed.stderr).toMatch(/runs on \(UTC\): 0 2 \* \* \*/);
      expect(listed.stdout).toMatch(/manual\s+ok/);
    } finally {
      await rm(site, { recursive: true, force: true });
    }
  });

  it('checks the token before building', async () => {
    const result = await gov(['deploy'], { ...developerEnv, GOV_TOKEN: 'gov_faux' }, project);
    expect(result.code).toBe(1);
    expect(result.stderr, result.stderr).toMatch(/^gov: .*(token|credentials)/im);
    expect(result.stderr).not.toMatch(/build/);
  });

  it('asks which ministry when the caller has several, naming them and a command that works', async () => {
    const result = await gov(['apps', 'list'], platform.cliEnv, tmpdir());
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^gov: which ministry\? you can act in 2: demo, sante\n {2}hint: pass --ministry demo/,
    );
  });

  it('lists and creates ministries, changes quotas and deletes apps from the CLI', async () => {
    const env = platform.cliEnv;
    const created = await gov(
      ['ministries', 'create', 'justice', '--display-name', 'Ministère de la Justice'],
      env,
      tmpdir(),
    );
    expect(created.code, created.stderr).toBe(0);
    expect((await gov(['ministries', 'list'], env, tmpdir())).stdout).toMatch(
      /^justice\s+Ministère de la Justice/m,
    );
    const set = await gov(['quota', 'set', 'maxApps=3', '--ministry', 'justice'], env, tmpdir());
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/^maxApps\s+3\s+0$/m);
    // A misspelt limit is refused with the names there are.
    const typo = await gov(['quota', 'set', 'apps=3', '--ministry', 'justice'], env, tmpdir());
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/hint: the fields are: maxApps, maxBundleBytes/);
    // A developer cannot change quotas.
    const denied = await gov(['quota', 'set', 'maxApps=50'], developerEnv, project);
    expect(denied.code).toBe(1);

    const unconfirmed = await gov(['apps', 'delete', 'autre'], developerEnv, project);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.stderr).toMatch(/hint: run `gov apps delete autre --ministry demo --yes`/);
    const deleted = await gov(['apps', 'delete', 'autre', '--yes'], developerEnv, project);
    expect(deleted.code, deleted.stderr).toBe(0);
    await expect
      .poll(
        async () =>
          (await citizenRequest(`http://autre.demo.localhost:${platform.gatewayPort}/`)).status,
      )
      .toBe(404);
  });
});

describe('secrets, set with gov secrets put and read as env bindings', () => {
  let app = '';
  beforeAll(async () => {
    app = await mkdtemp(path.join(tmpdir(), 'guichet-'));
    await writeFile(
      path.join(app, 'wrangler.toml'),
      'name = "guichet"\nmain = "index.js"\ncompatibility_date = "2026-04-01"\n\n[gov]\nsecrets = ["API_KEY"]\n',
    );
    await writeFile(
      path.join(app, 'index.js'),
      "export default { fetch: (_r, env) => new Response('clé ' + env.API_KEY) };\n",
    );
  });
  afterAll(() => rm(app, { recursive: true, force: true }));

  it('refuses a deploy naming a secret that is not set, with the command that sets it', async () => {
    const result = await gov(['deploy'], developerEnv, app);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/gov: secret API_KEY is not set for app "guichet"/);
    expect(result.stderr).toMatch(/hint: set it with `gov secrets put API_KEY --app guichet`/);
  });

  it('binds the value, replaces the running version when it changes, and never shows it', async () => {
    const put = (value: string) => gov(['secrets', 'put', 'API_KEY'], developerEnv, app, value);
    expect((await put('première-valeur\n')).code).toBe(0);
    const deployed = await gov(['deploy'], developerEnv, app);
    expect(deployed.code, deployed.stderr).toBe(0);
    const url = deployed.stdout.trim();
    expect((await citizenRequest(url)).body).toBe('clé première-valeur');

    // Citizens keep being served while the new value reaches the app.
    const failures: string[] = [];
    let asking = true;
    const loop = (async () => {
      while (asking) {
        const res = await citizenRequest(url).catch((e: Error) => ({ status: 0, body: e.message }));
        if (res.status !== 200) failures.push(`${res.status} ${res.body.slice(0, 80)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    try {
      const changed = await put('seconde-valeur');
      expect(changed.code, changed.stderr).toBe(0);
      await expect
        .poll(async () => (await citizenRequest(url)).body, { timeout: 30_000 })
        .toBe('clé seconde-valeur');
    } finally {
      asking = false;
      await loop;
    }
    expect(failures).toEqual([]);

    const list = await gov(['secrets', 'list'], developerEnv, app);
    expect(list.stdout).toMatch(/^API_KEY\s+2\s+\d{4}-/m);
    expect(list.stdout + list.stderr).not.toContain('valeur');
  });

  it('writes no secret value in clear anywhere under the data directory', async () => {
    const hits: string[] = [];
    const visit = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) await visit(file);
        else if (entry.isFile()) {
          const bytes = await readFile(file).catch(() => Buffer.alloc(0));
          if (bytes.includes('seconde-valeur') || bytes.includes('première-valeur'))
            hits.push(file);
        }
      }
    };
    await visit(platform.dataDir);
    expect(hits).toEqual([]);
  });

  it('refuses a secret from a flag, an empty one, and an odd name, setting nothing', async () => {
    const flag = await gov(['secrets', 'put', 'API_KEY', '--value', 'x'], developerEnv, app, 'y');
    expect(flag.stderr).toMatch(/gov secrets put has no option --value/);
    const empty = await gov(['secrets', 'put', 'VIDE'], developerEnv, app, '\n');
    expect(empty.stderr).toMatch(/the secret is empty: nothing was set/);
    const odd = await gov(['secrets', 'put', 'clé-api'], developerEnv, app, 'x');
    expect(odd.stderr).toMatch(/"clé-api" is not a secret name/);
    const list = await gov(['secrets', 'list', '--json'], developerEnv, app);
    expect(JSON.parse(list.stdout).map((s: { name: string }) => s.name)).toEqual(['API_KEY']);
  });
});
