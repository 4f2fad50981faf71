import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { citizenRequest } from '../support/citizen.ts';
import { gov } from '../support/gov-cli.ts';
import { killDuringBurst } from '../support/kill-during-burst.ts';
import { api, type PlatformProcess, startPlatformProcess } from '../support/platform-process.ts';

/**
 * KV namespaces as Workers code uses them, through real workerd and the
 * platform's storage service, deployed with the real CLI from a project
 * that names its namespace as any Workers project does.
 */
let platform: PlatformProcess;
const projects: string[] = [];

/** An app whose routes exercise env.KV; the same code for every app of this test. */
const KV_APP = `
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const q = (name) => url.searchParams.get(name);
    const kv = env[q('ns') ?? 'KV'];
    try {
      switch (url.pathname) {
        case '/put': {
          const options = {};
          if (q('ttl')) options.expirationTtl = Number(q('ttl'));
          if (q('meta')) options.metadata = JSON.parse(q('meta'));
          const value = q('size') ? 'x'.repeat(Number(q('size'))) : q('v');
          await kv.put(q('k'), value, options);
          return new Response('ok');
        }
        case '/get': {
          const type = q('type') ?? 'text';
          const value = await kv.get(q('k'), type);
          if (type === 'arrayBuffer') return new Response(value === null ? 'null' : 'bytes:' + value.byteLength);
          if (type === 'stream') return new Response(value === null ? 'null' : await new Response(value).text());
          return Response.json(value);
        }
        case '/meta':
          return Response.json(await kv.getWithMetadata(q('k')));
        case '/delete':
          await kv.delete(q('k'));
          return new Response('ok');
        case '/list':
          return Response.json(await kv.list({ prefix: q('prefix') ?? undefined, limit: q('limit') ? Number(q('limit')) : undefined, cursor: q('cursor') ?? undefined }));
        case '/burst': {
          const from = Number(q('from'));
          for (let i = from; i < from + 20; i++) await kv.put('burst-' + String(i).padStart(5, '0'), String(i));
          return new Response('ok');
        }
        default:
          return new Response('routes: /put /get /meta /delete /list', { status: 404 });
      }
    } catch (error) {
      return new Response(error.message, { status: 500 });
    }
  },
};
`;

async function project(
  name: string,
  ministry: string,
  kv = 'kv_namespaces = [{ binding = "KV", id = "0f2ac74b498b48028cb68387c421e279" }]',
) {
  const dir = await mkdtemp(path.join(tmpdir(), `${name}-`));
  projects.push(dir);
  await writeFile(
    path.join(dir, 'wrangler.toml'),
    `name = "${name}"\nmain = "index.js"\ncompatibility_date = "2026-04-01"\n${kv}\n\n[gov]\nministry = "${ministry}"\n`,
  );
  await writeFile(path.join(dir, 'index.js'), KV_APP);
  return dir;
}

async function deploy(dir: string): Promise<string> {
  const result = await gov(['deploy'], platform.cliEnv, dir);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.trim();
}

let registre = '';
const call = async (base: string, pathname: string) =>
  citizenRequest(new URL(pathname, base).toString());

beforeAll(async () => {
  platform = await startPlatformProcess();
  for (const [name, displayName] of [
    ['sante', 'Ministère de la Santé'],
    ['justice', 'Ministère de la Justice'],
  ]) {
    await api(platform, 'POST', '/v1/ministries', { name, displayName });
  }
  registre = await deploy(await project('registre', 'sante'));
}, 120_000);

afterAll(async () => {
  await platform?.destroy();
  for (const dir of projects) await rm(dir, { recursive: true, force: true });
});

describe('KV namespaces', () => {
  it('gets, puts, deletes and reads back as text, json, arrayBuffer and stream', async () => {
    expect((await call(registre, '/put?k=naissance&v={"n":3}')).body).toBe('ok');
    expect(JSON.parse((await call(registre, '/get?k=naissance')).body)).toBe('{"n":3}');
    expect(JSON.parse((await call(registre, '/get?k=naissance&type=json')).body)).toEqual({ n: 3 });
    expect((await call(registre, '/get?k=naissance&type=arrayBuffer')).body).toBe('bytes:7');
    expect((await call(registre, '/get?k=naissance&type=stream')).body).toBe('{"n":3}');
    expect(JSON.parse((await call(registre, '/get?k=absente')).body)).toBeNull();
    await call(registre, '/delete?k=naissance');
    expect(JSON.parse((await call(registre, '/get?k=naissance')).body)).toBeNull();
  });

  it('keeps metadata and expiration, and lists by prefix with a cursor', async () => {
    await call(
      registre,
      `/put?k=dossier:1&v=a&meta=${encodeURIComponent('{"commune":"Kayes"}')}&ttl=3600`,
    );
    for (const i of [2, 3, 4, 5]) await call(registre, `/put?k=dossier:${i}&v=b`);
    await call(registre, '/put?k=autre&v=c');
    const meta = JSON.parse((await call(registre, '/meta?k=dossier:1')).body);
    expect(meta).toMatchObject({ value: 'a', metadata: { commune: 'Kayes' } });
    const first = JSON.parse((await call(registre, '/list?prefix=dossier:&limit=2')).body);
    expect(first.keys.map((k: { name: string }) => k.name)).toEqual(['dossier:1', 'dossier:2']);
    expect(first.keys[0]).toMatchObject({
      metadata: { commune: 'Kayes' },
      expiration: expect.any(Number),
    });
    expect(first.list_complete).toBe(false);
    const rest = JSON.parse(
      (
        await call(
          registre,
          `/list?prefix=dossier:&limit=10&cursor=${encodeURIComponent(first.cursor)}`,
        )
      ).body,
    );
    expect(rest.keys.map((k: { name: string }) => k.name)).toEqual([
      'dossier:3',
      'dossier:4',
      'dossier:5',
    ]);
    expect(rest.list_complete).toBe(true);
  });

  it('refuses what Workers KV refuses, with its limits named', async () => {
    const cases: Array<[string, RegExp]> = [
      [`/put?k=${'k'.repeat(513)}&v=x`, /key is 513 bytes, over the limit of 512/],
      ['/put?k=&v=x', /key is empty/],
      ['/put?k=court&v=x&ttl=10', /expirationTtl must be at least 60 seconds/],
      [
        `/put?k=meta&v=x&meta=${encodeURIComponent(JSON.stringify({ m: 'x'.repeat(1100) }))}`,
        /metadata is \d+ bytes/,
      ],
      ['/list?limit=5000', /limit must be a whole number from 1 to 1000/],
      ['/list?cursor=%25%25', /cursor is not one this namespace gave/],
    ];
    // Refusals in a row: each leaves the connection to the storage service usable.
    for (let i = 0; i < 30; i++) cases.push(['/put?k=&v=encore', /key is empty/]);
    for (const [pathname, message] of cases) {
      const res = await call(registre, pathname);
      expect(res.status, pathname).toBe(500);
      expect(res.body, pathname).toMatch(/^KV \w+\(\) failed: 400 /);
      expect(res.body, pathname).toMatch(message);
    }
  });

  it('gives each app its own namespaces: no name an app can write reaches another app', async () => {
    await call(registre, '/put?k=secret-medical&v=dossier-42');
    // Same ministry, same binding name, even the same Cloudflare namespace id.
    const voisin = await deploy(await project('voisin', 'sante'));
    expect(JSON.parse((await call(voisin, '/get?k=secret-medical')).body)).toBeNull();
    expect(JSON.parse((await call(voisin, '/list')).body).keys).toEqual([]);
    // Another ministry.
    const juge = await deploy(await project('juge', 'justice'));
    expect(JSON.parse((await call(juge, '/get?k=secret-medical')).body)).toBeNull();
    // An app asking for a binding it was not given has nothing there.
    expect((await call(juge, '/get?k=x&ns=AUTRE')).status).toBe(500);
  });

  it("cannot be reached around the binding: the storage service refuses a request without the platform's identity", async () => {
    const config = await readFile(
      path.join(platform.dataDir, 'run', 'storage-service', 'storage.capnp'),
      'utf8',
    );
    const address = /address = "(127\.0\.0\.1:\d+)"/.exec(config)?.[1] ?? '';
    expect(address).not.toBe('');
    // An app fetching the storage service's address directly is stopped by its egress policy.
    const sondeDir = await mkdtemp(path.join(tmpdir(), 'sonde-'));
    projects.push(sondeDir);
    await writeFile(
      path.join(sondeDir, 'wrangler.toml'),
      'name = "sonde"\nmain = "index.js"\ncompatibility_date = "2026-04-01"\n\n[gov]\nministry = "justice"\n',
    );
    await writeFile(
      path.join(sondeDir, 'index.js'),
      `export default { async fetch(request) {
        const target = new URL(request.url).searchParams.get('cible');
        const res = await fetch(target, { headers: { 'x-gov-app': 'app_autre', 'x-gov-ministry': 'min_autre', 'x-gov-capability': 'devine' } });
        return new Response(res.status + ' ' + (res.headers.get('x-gov-egress') ?? '') + ' ' + (await res.text()).slice(0, 120));
      } };\n`,
    );
    const sonde = await deploy(sondeDir);
    const probe = await call(
      sonde,
      `/?cible=${encodeURIComponent(`http://${address}/kv/KV/get?key=secret-medical`)}`,
    );
    expect(probe.body).toMatch(/^403 denied /);
    // Even from the machine itself, without the capability workerd adds, it answers nothing.
    const direct = await fetch(`http://${address}/kv/KV/get?key=secret-medical`, {
      headers: { 'x-gov-app': 'app_x', 'x-gov-ministry': 'min_x', 'x-gov-capability': 'devine' },
    });
    expect(direct.status).toBe(401);
  });

  it('counts storage against the ministry quota, and refuses a write past it with the figures', async () => {
    const set = await api(platform, 'PATCH', '/v1/ministries/justice/quota', { maxKvBytes: 4000 });
    expect(set.status).toBe(200);
    const juge = `http://juge.justice.localhost:${platform.gatewayPort}/`;
    // A write that the old limit still lets through is taken back before asking again.
    const tooBig = async () => {
      const { body } = await call(juge, '/put?k=gros&size=5000');
      if (body === 'ok') await call(juge, '/delete?k=gros');
      return body;
    };
    await expect
      .poll(tooBig, { timeout: 10_000 })
      .toMatch(
        /KV put\(\) failed: 413 the ministry's KV storage quota is full: \d+ of 4000 bytes used/,
      );
    expect((await call(juge, '/put?k=petit&size=1000')).body).toBe('ok');
    // Overwriting counts the difference only; deleting gives the room back.
    expect((await call(juge, '/put?k=petit&size=3000')).body).toBe('ok');
    expect((await call(juge, '/put?k=autre&size=1500')).status).toBe(500);
    await call(juge, '/delete?k=petit');
    expect((await call(juge, '/put?k=autre&size=1500')).body).toBe('ok');
    // The quota says what is used, beside the limit.
    const quota = await api(platform, 'GET', '/v1/ministries/justice/quota');
    expect(quota.json.limits.maxKvBytes).toBe(4000);
    expect(quota.json.usage.kvBytes).toBeGreaterThan(1500);
    expect(quota.json.usage.kvBytes).toBeLessThanOrEqual(4000);
  });

  it('keeps the data through a new version, a rollback and a restart of the whole platform', async () => {
    await call(registre, '/put?k=durable&v=toujours-la');
    const dir = projects[0] ?? '';
    await writeFile(path.join(dir, 'index.js'), `${KV_APP}\n// v2\n`);
    await deploy(dir);
    expect(JSON.parse((await call(registre, '/get?k=durable')).body)).toBe('toujours-la');
    const back = await gov(['rollback', 'registre', '1', '--ministry', 'sante'], platform.cliEnv);
    expect(back.code, back.stderr).toBe(0);
    expect(JSON.parse((await call(registre, '/get?k=durable')).body)).toBe('toujours-la');
    platform = await platform.restart();
    await expect
      .poll(async () => (await call(registre, '/get?k=durable')).body, { timeout: 30_000 })
      .toBe('"toujours-la"');
  });

  it('loses no acknowledged write when the platform is killed outright during a burst', async () => {
    // Each write is a burst of 20 keys, acknowledged together.
    const killed = await killDuringBurst(
      platform,
      async (i) => (await call(registre, `/burst?from=${i * 20}`)).status === 200,
    );
    platform = killed.platform;
    const acknowledged = killed.acknowledged * 20;
    expect(acknowledged).toBeGreaterThan(0);
    const last = `burst-${String(acknowledged - 1).padStart(5, '0')}`;
    await expect
      .poll(async () => (await call(registre, `/get?k=${last}`)).body, { timeout: 30_000 })
      .toBe(JSON.stringify(String(acknowledged - 1)));
    const listed = JSON.parse((await call(registre, '/list?prefix=burst-')).body).keys.length;
    expect(listed).toBeGreaterThanOrEqual(acknowledged);
  });
});
