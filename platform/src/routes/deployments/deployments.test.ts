import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apps, artifacts, deployments } from '../../db/schema/index.ts';
import { type ApiHarness, apiHarness, bundleOf } from '../../testing/api-harness.ts';

let api: ApiHarness;
const base = '/v1/ministries/sante/apps/vaccins';
beforeAll(async () => {
  // A small cap keeps the oversized cases cheap.
  api = await apiHarness({ maxBundleBytes: 4096 });
  await api.request('POST', '/v1/ministries', { body: { name: 'sante', displayName: 'Santé' } });
  await api.request('POST', '/v1/ministries/sante/apps', { body: { name: 'vaccins' } });
});
afterAll(() => api.close());

async function snapshot() {
  const db = api.database.db;
  return {
    deployments: (await db.select().from(deployments)).length,
    artifacts: (await db.select().from(artifacts)).length,
    apps: await db.select().from(apps),
  };
}

const source = `export default { fetch() { return new Response('ok'); } };`;

describe('creating deployments', () => {
  it('accepts a bundle as the next version, records it as desired and asks the reconciler', async () => {
    const res = await api.request('POST', `${base}/deployments`, {
      body: bundleOf(source, { vars: { LANGUE: 'fr' } }),
    });
    expect(res.status).toBe(202);
    expect(res.json).toMatchObject({ version: 1, status: 'pending', live: false, app: 'vaccins' });
    expect(res.json.artifact.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(res.json.artifact.bundleBytes).toBe(Buffer.byteLength(source));
    const app = await api.request('GET', base);
    expect(app.json).toMatchObject({ desiredVersion: 1, liveVersion: null });
    expect(api.enqueued).toContain(app.json.id);
  });

  it('numbers versions in order and stores identical code once', async () => {
    const before = await snapshot();
    const second = await api.request('POST', `${base}/deployments`, { body: bundleOf(source) });
    expect(second.json.version).toBe(2);
    const after = await snapshot();
    expect(after.artifacts).toBe(before.artifacts);
    expect(after.deployments).toBe(before.deployments + 1);
  });

  it.each([
    [
      'malformed JSON',
      { rawBody: '{"mainModule": ', headers: { 'content-type': 'application/json' } },
      400,
      'invalid_json',
    ],
    ['an unknown field', { body: bundleOf(source, { secret: 'x' }) }, 422, 'invalid_bundle'],
    [
      'corrupt base64',
      {
        body: {
          ...bundleOf(source),
          modules: [{ name: 'index.js', type: 'esModule', contentBase64: 'not base64!' }],
        },
      },
      422,
      'invalid_bundle',
    ],
    [
      'a missing main module',
      { body: bundleOf(source, { mainModule: 'main.js' }) },
      422,
      'invalid_bundle',
    ],
    [
      'a path-escaping module name',
      {
        body: {
          ...bundleOf(source),
          mainModule: '../x.js',
          modules: [{ name: '../x.js', type: 'esModule', contentBase64: '' }],
        },
      },
      422,
      'invalid_bundle',
    ],
    ['an oversized bundle', { body: bundleOf('x'.repeat(5000)) }, 413, 'bundle_too_large'],
    [
      'an upload past the byte cap',
      {
        rawBody: `{"pad":"${'x'.repeat(300_000)}"}`,
        headers: { 'content-type': 'application/json' },
      },
      413,
      'bundle_too_large',
    ],
    [
      'a wrong content type',
      { rawBody: 'PK\u0003\u0004', headers: { 'content-type': 'application/zip' } },
      415,
      'unsupported_media_type',
    ],
    ['a wrong token', { body: bundleOf(source), token: 'gov_nope' }, 401, 'unauthenticated'],
  ])('rejects %s and changes nothing', async (_label, options, status, code) => {
    const before = await snapshot();
    const res = await api.request('POST', `${base}/deployments`, options);
    expect(res.status).toBe(status);
    expect(res.json.error.code).toBe(code);
    expect(await snapshot()).toEqual(before);
  });

  it('explains the size limit in the error', async () => {
    const res = await api.request('POST', `${base}/deployments`, {
      body: bundleOf('x'.repeat(5000)),
    });
    expect(res.json.error.message).toMatch(/over the limit of 0\.0 MiB|limit of/);
    expect(res.json.error.hint).toMatch(/smaller/);
  });

  it('answers 404 for unknown apps and ministries', async () => {
    for (const path of [
      '/v1/ministries/sante/apps/inconnue',
      '/v1/ministries/nulle/apps/vaccins',
    ]) {
      const res = await api.request('POST', `${path}/deployments`, { body: bundleOf(source) });
      expect(res.status).toBe(404);
    }
  });
});

describe('reading deployments', () => {
  it('lists newest first and gets one by version or id', async () => {
    const list = await api.request('GET', `${base}/deployments`);
    const versions = list.json.deployments.map((d: { version: number }) => d.version);
    expect(versions).toEqual([...versions].sort((a, b) => b - a));
    const [newest] = list.json.deployments;
    expect((await api.request('GET', `${base}/deployments/${newest.version}`)).json).toEqual(
      newest,
    );
    expect((await api.request('GET', `${base}/deployments/${newest.id}`)).json).toEqual(newest);
  });

  it.each(['999', '0', '-1', 'abc', 'dep_unknown'])('answers 404 for version %s', async (ref) => {
    const res = await api.request('GET', `${base}/deployments/${ref}`);
    expect(res.status).toBe(404);
    expect(res.json.error.hint).toMatch(/gov deployments list vaccins/);
  });
});

describe('rollback', () => {
  const markLive = async (version: number, status: 'ready' | 'failed' = 'ready') => {
    const db = api.database.db;
    const [app] = await db.select().from(apps).where(eq(apps.name, 'vaccins'));
    const [dep] = await db.select().from(deployments).where(eq(deployments.version, version));
    if (!app || !dep) throw new Error('fixture missing');
    await db
      .update(deployments)
      .set({ status, readyAt: status === 'ready' ? new Date() : null })
      .where(eq(deployments.id, dep.id));
    if (status === 'ready')
      await db.update(apps).set({ liveDeploymentId: dep.id }).where(eq(apps.id, app.id));
  };

  it('refuses when nothing is live yet', async () => {
    const res = await api.request('POST', `${base}/rollback`);
    expect(res.status).toBe(409);
    expect(res.json.error.message).toMatch(/no live version/);
  });

  it('goes back to the previous working version by default, or to the one named', async () => {
    await markLive(1);
    await markLive(2);
    const res = await api.request('POST', `${base}/rollback`);
    expect(res.status).toBe(202);
    expect(res.json.version).toBe(1);
    expect((await api.request('GET', base)).json.desiredVersion).toBe(1);
    const named = await api.request('POST', `${base}/rollback`, { body: { version: 2 } });
    expect(named.json.version).toBe(2);
  });

  it('refuses a version that failed, one that does not exist, and bad bodies', async () => {
    const third = await api.request('POST', `${base}/deployments`, { body: bundleOf(source) });
    await markLive(third.json.version, 'failed');
    const before = await snapshot();
    const failed = await api.request('POST', `${base}/rollback`, {
      body: { version: third.json.version },
    });
    expect(failed.status).toBe(409);
    expect((await api.request('POST', `${base}/rollback`, { body: { version: 99 } })).status).toBe(
      404,
    );
    expect(
      (await api.request('POST', `${base}/rollback`, { body: { version: 'one' } })).status,
    ).toBe(400);
    expect((await api.request('POST', `${base}/rollback`, { body: { to: 1 } })).status).toBe(400);
    expect(await snapshot()).toEqual(before);
  });
});
