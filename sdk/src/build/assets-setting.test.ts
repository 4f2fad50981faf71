import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  collectAssets,
  parseHeadersFile,
  parseRedirectsFile,
  readAssetsSetting,
} from './assets-setting.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'gov-assets-setting-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function put(relative: string, content = relative) {
  await mkdir(path.dirname(path.join(dir, relative)), { recursive: true });
  await writeFile(path.join(dir, relative), content);
}

describe('assets', () => {
  it('reads wrangler’s assets table with Workers’ defaults', async () => {
    await put('public/index.html');
    expect(readAssetsSetting({ directory: './public' }, 'wrangler.toml', dir)).toEqual({
      directory: path.join(dir, 'public'),
      htmlHandling: 'auto-trailing-slash',
      notFoundHandling: 'none',
      runWorkerFirst: false,
    });
  });

  it('uploads every file but .assetsignore’s and nothing outside; reads _headers and _redirects as rules', async () => {
    await put('public/index.html', '<h1>Accueil</h1>');
    await put('public/css/site.css');
    await put('public/brouillons/note.txt');
    await put('public/.env', 'SECRET=1');
    await put('public/img/photo.psd');
    await put('public/_headers', '/*\n  X-Frame-Options: DENY');
    await put('public/_redirects', '/ancienne /index.html 301');
    await put('public/.assetsignore', '# pas en ligne\n.env\nbrouillons/\n*.psd\n');
    const setting = readAssetsSetting(
      { directory: 'public', binding: 'ASSETS', not_found_handling: '404-page' },
      'wrangler.toml',
      dir,
    );
    const assets = await collectAssets(setting as NonNullable<typeof setting>);
    expect(assets?.files.map((f) => f.path)).toEqual(['/css/site.css', '/index.html']);
    expect(Buffer.from(assets?.files[1]?.contentBase64 ?? '', 'base64').toString()).toBe(
      '<h1>Accueil</h1>',
    );
    expect(assets).toMatchObject({
      binding: 'ASSETS',
      notFoundHandling: '404-page',
      headers: [{ pattern: '/*', set: { 'X-Frame-Options': 'DENY' }, unset: [] }],
      redirects: [{ from: '/ancienne', to: '/index.html', status: 301 }],
    });
  });

  it('refuses a symbolic link, which could lead out of the folder', async () => {
    await put('public/index.html');
    await put('secret.txt', 'ne pas publier');
    await symlink(path.join(dir, 'secret.txt'), path.join(dir, 'public', 'lien.txt'));
    const setting = readAssetsSetting({ directory: 'public' }, 'wrangler.toml', dir);
    await expect(collectAssets(setting as NonNullable<typeof setting>)).rejects.toThrow(
      /lien\.txt in the assets directory is a symbolic link/,
    );
  });

  it('reads _headers and _redirects as Workers does, and names the line of a mistake', () => {
    expect(
      parseHeadersFile(
        '# sécurité\n/*\n  X-Frame-Options: DENY\n  ! X-Powered-By\n/api/*\n  Cache-Control: no-store\n',
      ),
    ).toEqual([
      { pattern: '/*', set: { 'X-Frame-Options': 'DENY' }, unset: ['X-Powered-By'] },
      { pattern: '/api/*', set: { 'Cache-Control': 'no-store' }, unset: [] },
    ]);
    expect(parseRedirectsFile('/a /b\n/c/* /d/:splat 308\n')).toEqual([
      { from: '/a', to: '/b', status: 302 },
      { from: '/c/*', to: '/d/:splat', status: 308 },
    ]);
    expect(() => parseHeadersFile('  X-A: 1')).toThrow(
      /_headers, line 1: a header before any path/,
    );
    expect(() => parseHeadersFile('https://ailleurs.ml/*\n  X-A: 1')).toThrow(
      /line 1: .* is not a path/,
    );
    expect(() => parseRedirectsFile('/a\n')).toThrow(
      /_redirects, line 1: "\/a" is not "from to \[status\]"/,
    );
    expect(() => parseRedirectsFile('/x /y 200')).toThrow(
      /a rewrite \(200\) is not supported on Gov/,
    );
  });
});
