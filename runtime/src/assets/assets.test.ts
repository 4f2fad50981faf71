import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AppAssets } from '@gov/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerSupervisor } from '../supervisor/supervisor.ts';
import { denyAllEgress } from '../workerd/egress.ts';

/**
 * Static assets served the way Workers serves them, through real workerd:
 * in front of the app's code, with html_handling, not_found_handling,
 * run_worker_first, ETags and the ASSETS binding.
 */
const APP = `
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/via-binding') {
      const asset = await env.ASSETS.fetch(new URL(url.searchParams.get('p'), request.url));
      return new Response('binding:' + asset.status + ':' + (await asset.text()));
    }
    return new Response('app:' + request.method + ' ' + url.pathname);
  },
};
`;

const text = (s: string) => new TextEncoder().encode(s);
const FILES: AppAssets['files'] = [
  { path: '/index.html', content: text('<h1>Accueil</h1>') },
  { path: '/a-propos.html', content: text('<h1>À propos</h1>') },
  { path: '/demarches/index.html', content: text('<h1>Démarches</h1>') },
  { path: '/demarches/404.html', content: text('introuvable dans les démarches') },
  { path: '/404.html', content: text('page introuvable') },
  { path: '/css/site.css', content: text('body { color: #000 }') },
  { path: '/logo.png', content: new Uint8Array([0x89, 0x50, 0x4e, 0x47]) },
  { path: '/api/doc.txt', content: text('documentation') },
  { path: '/fichier sans type', content: text('octets') },
];

let root: string;
const instances: WorkerSupervisor[] = [];

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gov-assets-'));
});
afterAll(async () => {
  await Promise.all(instances.map((i) => i.stop()));
  await rm(root, { recursive: true, force: true });
});

async function start(assets: Partial<AppAssets>): Promise<string> {
  const instance = new WorkerSupervisor({
    spec: {
      id: 'dep_assets',
      mainModule: 'index.js',
      modules: [{ name: 'index.js', type: 'esModule', content: text(APP) }],
      compatibilityDate: '2026-04-01',
      compatibilityFlags: [],
      vars: {},
      egress: denyAllEgress,
      memoryMib: 128,
      assets: {
        files: FILES,
        htmlHandling: 'auto-trailing-slash',
        notFoundHandling: 'none',
        runWorkerFirst: false,
        headers: [],
        redirects: [],
        ...assets,
      },
    },
    workDir: await mkdtemp(path.join(root, 'v-')),
    initialBackoffMs: 50,
    startTimeoutMs: 15_000,
  });
  instances.push(instance);
  return `http://127.0.0.1:${await instance.start()}`;
}

async function get(base: string, route: string, init?: RequestInit) {
  const res = await fetch(`${base}${route}`, { redirect: 'manual', ...init });
  return {
    status: res.status,
    body: await res.text(),
    type: res.headers.get('content-type'),
    location: res.headers.get('location'),
    etag: res.headers.get('etag'),
    cache: res.headers.get('cache-control'),
  };
}

describe('static assets through real workerd', () => {
  let base: string;
  beforeAll(async () => {
    base = await start({ binding: 'ASSETS' });
  });

  it('serves files with their content type, an ETag and revalidation, twice over', async () => {
    const css = await get(base, '/css/site.css');
    expect(css).toMatchObject({
      status: 200,
      body: 'body { color: #000 }',
      type: 'text/css; charset=utf-8',
      cache: 'public, max-age=0, must-revalidate',
    });
    expect(css.etag).toMatch(/^"[0-9a-f]{32}"$/);
    // The same file again: its bytes are served each time, not used up.
    expect((await get(base, '/css/site.css')).body).toBe('body { color: #000 }');
    const revalidated = await get(base, '/css/site.css', {
      headers: { 'if-none-match': css.etag ?? '' },
    });
    expect(revalidated).toMatchObject({ status: 304, body: '' });
    expect((await get(base, '/logo.png')).type).toBe('image/png');
    expect((await get(base, '/fichier%20sans%20type')).type).toBe('application/octet-stream');
    const head = await get(base, '/css/site.css', { method: 'HEAD' });
    expect(head).toMatchObject({ status: 200, body: '' });
  });

  it('maps pages as auto-trailing-slash does: files without the slash, folders with it', async () => {
    expect((await get(base, '/')).body).toBe('<h1>Accueil</h1>');
    expect((await get(base, '/a-propos')).body).toBe('<h1>À propos</h1>');
    expect(await get(base, '/a-propos.html')).toMatchObject({ status: 307, location: '/a-propos' });
    expect(await get(base, '/a-propos/')).toMatchObject({ status: 307, location: '/a-propos' });
    expect((await get(base, '/demarches/')).body).toBe('<h1>Démarches</h1>');
    expect(await get(base, '/demarches?x=1')).toMatchObject({
      status: 307,
      location: '/demarches/?x=1',
    });
    expect(await get(base, '/demarches/index.html')).toMatchObject({
      status: 307,
      location: '/demarches/',
    });
    expect(await get(base, '/index.html')).toMatchObject({ status: 307, location: '/' });
  });

  it('hands what no asset names to the app, and every other method too', async () => {
    expect((await get(base, '/demande/42')).body).toBe('app:GET /demande/42');
    expect((await get(base, '/css/site.css', { method: 'POST' })).body).toBe(
      'app:POST /css/site.css',
    );
  });

  it('gives the app its assets as env.ASSETS, not_found_handling included', async () => {
    expect((await get(base, '/via-binding?p=/css/site.css')).body).toBe(
      'binding:200:body { color: #000 }',
    );
    expect((await get(base, '/via-binding?p=/nulle-part')).body).toBe('binding:404:Not Found');
  });

  it('answers unknown paths of ASSETS.fetch with the nearest 404.html under 404-page', async () => {
    const site = await start({ binding: 'ASSETS', notFoundHandling: '404-page' });
    expect((await get(site, '/via-binding?p=/demarches/inconnue')).body).toBe(
      'binding:404:introuvable dans les démarches',
    );
    expect((await get(site, '/via-binding?p=/ailleurs/x')).body).toBe(
      'binding:404:page introuvable',
    );
  });

  it('serves index.html for any path under single-page-application', async () => {
    const spa = await start({ binding: 'ASSETS', notFoundHandling: 'single-page-application' });
    expect((await get(spa, '/via-binding?p=/tableau/7')).body).toBe('binding:200:<h1>Accueil</h1>');
  });

  it('runs the app first on the paths run_worker_first names, except those it negates', async () => {
    const first = await start({ runWorkerFirst: ['/api/*', '!/api/doc.txt'] });
    expect((await get(first, '/api/anything')).body).toBe('app:GET /api/anything');
    expect((await get(first, '/api/doc.txt')).body).toBe('documentation');
    expect((await get(first, '/css/site.css')).body).toBe('body { color: #000 }');
    const always = await start({ runWorkerFirst: true });
    expect((await get(always, '/css/site.css')).body).toBe('app:GET /css/site.css');
  });

  it('follows drop-trailing-slash, force-trailing-slash and none', async () => {
    const drop = await start({ htmlHandling: 'drop-trailing-slash' });
    expect((await get(drop, '/demarches')).body).toBe('<h1>Démarches</h1>');
    expect(await get(drop, '/demarches/')).toMatchObject({ status: 307, location: '/demarches' });
    const force = await start({ htmlHandling: 'force-trailing-slash' });
    expect((await get(force, '/a-propos/')).body).toBe('<h1>À propos</h1>');
    expect(await get(force, '/a-propos')).toMatchObject({ status: 307, location: '/a-propos/' });
    const none = await start({ htmlHandling: 'none' });
    expect((await get(none, '/a-propos.html')).body).toBe('<h1>À propos</h1>');
    expect((await get(none, '/a-propos')).body).toBe('app:GET /a-propos');
  });

  it('applies _headers to the assets they match and _redirects before any asset', async () => {
    const site = await start({
      headers: [
        { pattern: '/*', set: { 'X-Frame-Options': 'DENY', 'X-Gov': 'a' }, unset: [] },
        {
          pattern: '/css/*',
          set: { 'Cache-Control': 'public, max-age=86400', 'X-Gov': 'b' },
          unset: ['X-Frame-Options'],
        },
      ],
      redirects: [
        { from: '/ancienne-demarche', to: '/demarches/', status: 301 },
        {
          from: '/dossiers/:numero/*',
          to: '/demarches/?dossier=:numero&reste=:splat',
          status: 302,
        },
      ],
    });
    const page = await fetch(`${site}/a-propos`);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const css = await fetch(`${site}/css/site.css`);
    expect(css.headers.get('cache-control')).toBe('public, max-age=86400');
    expect(css.headers.get('x-frame-options')).toBeNull();
    // Two rules set it: both values, joined, as Workers does.
    expect(css.headers.get('x-gov')).toBe('a, b');
    expect(await get(site, '/ancienne-demarche?x=1')).toMatchObject({
      status: 301,
      location: '/demarches/?x=1',
    });
    expect(await get(site, '/dossiers/42/pieces/acte.pdf')).toMatchObject({
      status: 302,
      location: '/demarches/?dossier=42&reste=pieces/acte.pdf',
    });
    // What the app answers itself is the app's: no rule touches it.
    const app = await fetch(`${site}/demande/1`);
    expect(app.headers.get('x-frame-options')).toBeNull();
  });
});
