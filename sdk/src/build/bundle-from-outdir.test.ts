import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleSchema } from '@gov/contract';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppConfig } from './app-config.ts';
import { bundleFromOutdir } from './bundle-from-outdir.ts';

let outdir: string;
beforeEach(async () => {
  outdir = await mkdtemp(path.join(tmpdir(), 'gov-outdir-'));
});
afterEach(() => rm(outdir, { recursive: true, force: true }));

const config = (overrides: Partial<AppConfig> = {}): AppConfig => ({
  file: 'wrangler.jsonc',
  dir: '.',
  wrangler: {},
  notes: [],
  name: 'essai',
  ministry: 'demo',
  main: 'src/index.ts',
  rules: [],
  compatibilityDate: '2026-04-01',
  compatibilityFlags: [],
  vars: {},
  limits: {},
  healthPath: undefined,
  secrets: [],
  bindings: [],
  crons: [],
  services: [],
  durableObjects: [],
  d1Migrations: {},
  ...overrides,
});

/** Lays out files as wrangler would have emitted them. */
async function emitted(files: Record<string, string>) {
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(outdir, name)), { recursive: true });
    await writeFile(path.join(outdir, name), content);
  }
}

describe('bundleFromOutdir', () => {
  it('types every module by extension and leaves out maps and the README', async () => {
    await emitted({
      'index.js': 'export default {}',
      'index.js.map': '{}',
      'README.md': 'generated',
      'chunks/lib.mjs': 'export const a = 1',
      'old.cjs': 'module.exports = 1',
      'abc-add.wasm': '\0asm',
      'abc-page.html': '<p>',
      'abc-note.txt': 'note',
      'abc-seal.bin': 'x',
      'abc-data.json': '{}',
    });
    const bundle = bundleSchema.parse(await bundleFromOutdir(outdir, config()));
    expect(bundle.mainModule).toBe('index.js');
    expect(bundle.modules.map((m) => [m.name, m.type])).toEqual([
      ['abc-add.wasm', 'wasm'],
      ['abc-data.json', 'json'],
      ['abc-note.txt', 'text'],
      ['abc-page.html', 'text'],
      ['abc-seal.bin', 'data'],
      ['chunks/lib.mjs', 'esModule'],
      ['index.js', 'esModule'],
      ['old.cjs', 'commonJsModule'],
    ]);
  });

  it('finds the entry by the name of `main`, bundled or not', async () => {
    await emitted({ 'worker.js': 'export default {}', 'helper.js': 'export const h = 1' });
    const bundled = await bundleFromOutdir(outdir, config({ main: 'src/worker.ts' }));
    expect(bundled.mainModule).toBe('worker.js');
    await emitted({ 'entry.mjs': 'export default {}' });
    const unbundled = await bundleFromOutdir(outdir, config({ main: 'src/entry.mjs' }));
    expect(unbundled.mainModule).toBe('entry.mjs');
  });

  it("follows the app's rules, and refuses a file it cannot type", async () => {
    await emitted({ 'index.js': 'export default {}', 'abc-notice.md': '# Notice' });
    await expect(bundleFromOutdir(outdir, config())).rejects.toMatchObject({
      code: 'build_failed',
      message: 'wrangler emitted abc-notice.md, of a kind gov cannot type',
      hint: expect.stringContaining('"globs": ["**/*.md"]'),
    });
    const rules = [{ type: 'Text', globs: ['**/*.md'] }];
    const bundle = await bundleFromOutdir(outdir, config({ rules }));
    expect(bundle.modules.find((m) => m.name === 'abc-notice.md')?.type).toBe('text');
  });

  it("carries the app's gov.memoryMib, gov.instances and gov.healthPath into the bundle", async () => {
    await emitted({ 'index.js': 'export default {}' });
    const bundle = bundleSchema.parse(
      await bundleFromOutdir(
        outdir,
        config({ limits: { memoryMib: 192, instances: 2 }, healthPath: '/sante' }),
      ),
    );
    expect(bundle.limits).toEqual({ memoryMib: 192, instances: 2 });
    expect(bundle.healthPath).toBe('/sante');
  });
});
