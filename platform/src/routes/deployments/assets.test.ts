import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getArtifact } from '../../artifacts/store.ts';
import { artifacts, deployments } from '../../db/schema/index.ts';
import { type ApiHarness, apiHarness, bundleOf } from '../../testing/api-harness.ts';

const path = '/v1/ministries/sante/apps/vaccins/deployments';
const b64 = (text: string) => Buffer.from(text).toString('base64');

function withAssets(files: Array<{ path: string; contentBase64: string }>, extra = {}) {
  return bundleOf('export default { fetch() { return new Response("app") } }', {
    assets: { files, ...extra },
  });
}

describe('a version with static assets', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await apiHarness({ driver: 'local' });
    await api.request('POST', '/v1/ministries', { body: { name: 'sante', displayName: 'Santé' } });
    await api.request('POST', '/v1/ministries/sante/apps', { body: { name: 'vaccins' } });
  });
  afterAll(async () => {
    await api?.close();
  });

  it('keeps the files in the artifact, verified with the code, and counts their size', async () => {
    const page = '<h1>Centres de vaccination</h1>';
    const res = await api.request('POST', path, {
      body: withAssets([{ path: '/index.html', contentBase64: b64(page) }], {
        binding: 'ASSETS',
        notFoundHandling: '404-page',
      }),
    });
    expect(res.status).toBe(202);
    const [row] = await api.database.db.select().from(artifacts);
    const content = await getArtifact(api.database.db, row?.sha256 ?? '');
    expect(content.assets).toEqual({
      files: [{ path: '/index.html', contentBase64: b64(page) }],
      binding: 'ASSETS',
      htmlHandling: 'auto-trailing-slash',
      notFoundHandling: '404-page',
      runWorkerFirst: false,
      headers: [],
      redirects: [],
    });
    const code = 'export default { fetch() { return new Response("app") } }';
    expect(row?.bundleBytes).toBe(Buffer.byteLength(code) + Buffer.byteLength(page));
  });

  it.each([
    [
      'a relative path',
      [{ path: 'index.html', contentBase64: b64('x') }],
      {},
      /asset paths are absolute/,
    ],
    [
      'a path that climbs',
      [{ path: '/css/../../etc/passwd', contentBase64: b64('x') }],
      {},
      /without .* segments/,
    ],
    [
      'the same path twice',
      [
        { path: '/a.css', contentBase64: b64('x') },
        { path: '/a.css', contentBase64: b64('y') },
      ],
      {},
      /asset \/a\.css appears twice/,
    ],
    ['an unknown html_handling', [], { htmlHandling: 'auto' }, /htmlHandling/],
    ['a binding named like a var', [], { binding: 'VILLE' }, /VILLE.{0,4} is bound twice/],
  ])('refuses %s, and keeps nothing', async (_what, files, extra, message) => {
    const before = await api.database.db.$count(deployments);
    const bundle = { ...withAssets(files, extra), vars: { VILLE: 'Kayes' } };
    const res = await api.request('POST', path, { body: bundle });
    // As every invalid bundle is: 422, naming the field.
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.json.error)).toMatch(message);
    expect(await api.database.db.$count(deployments)).toBe(before);
  });

  it('counts assets against the bundle size limit', async () => {
    const big = Buffer.alloc(11 * 1024 * 1024, 1).toString('base64');
    const res = await api.request('POST', path, {
      body: withAssets([{ path: '/video.mp4', contentBase64: big }]),
    });
    expect(res.status).toBe(413);
  });
});
