import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collectAssets, readAssetsSetting } from './assets-setting.ts';

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
    const notes: string[] = [];
    expect(readAssetsSetting({ directory: './public' }, 'wrangler.toml', dir, notes)).toEqual({
      directory: path.join(dir, 'public'),
      htmlHandling: 'auto-trailing-slash',
      notFoundHandling: 'none',
      runWorkerFirst: false,
    });
    expect(notes).toEqual([]);
  });

  it('uploads every file but .assetsignore’s, the settings files and nothing outside', async () => {
    await put('public/index.html', '<h1>Accueil</h1>');
    await put('public/css/site.css');
    await put('public/brouillons/note.txt');
    await put('public/.env', 'SECRET=1');
    await put('public/img/photo.psd');
    await put('public/_headers', '/*\n  X-Frame-Options: DENY');
    await put('public/.assetsignore', '# pas en ligne\n.env\nbrouillons/\n*.psd\n');
    const notes: string[] = [];
    const setting = readAssetsSetting(
      { directory: 'public', binding: 'ASSETS', not_found_handling: '404-page' },
      'wrangler.toml',
      dir,
      notes,
    );
    // Nothing dropped in silence: the settings file Gov does not apply is named.
    expect(notes).toEqual([expect.stringMatching(/_headers is not applied on Gov yet/)]);
    const assets = await collectAssets(setting as NonNullable<typeof setting>);
    expect(assets?.files.map((f) => f.path)).toEqual(['/css/site.css', '/index.html']);
    expect(Buffer.from(assets?.files[1]?.contentBase64 ?? '', 'base64').toString()).toBe(
      '<h1>Accueil</h1>',
    );
    expect(assets).toMatchObject({ binding: 'ASSETS', notFoundHandling: '404-page' });
  });

  it('refuses a symbolic link, which could lead out of the folder', async () => {
    await put('public/index.html');
    await put('secret.txt', 'ne pas publier');
    await symlink(path.join(dir, 'secret.txt'), path.join(dir, 'public', 'lien.txt'));
    const setting = readAssetsSetting({ directory: 'public' }, 'wrangler.toml', dir, []);
    await expect(collectAssets(setting as NonNullable<typeof setting>)).rejects.toThrow(
      /lien\.txt in the assets directory is a symbolic link/,
    );
  });
});
