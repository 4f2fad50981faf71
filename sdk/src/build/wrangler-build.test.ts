import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundleSchema } from '../../../runtime/src/bundle.ts';
import { UserError } from '../cli/errors.ts';
import { readAppConfig } from './app-config.ts';
import { buildApp } from './wrangler-build.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describe('buildApp', () => {
  it('builds the demarche template offline into a valid bundle, leaving the folder clean', async () => {
    const dir = path.join(repoRoot, 'templates/demarche');
    const before = await readdir(dir);
    const config = readAppConfig(dir);
    expect(config).toMatchObject({
      name: 'demarche',
      ministry: 'demo',
      compatibilityDate: '2026-04-01',
    });
    expect(config.wrangler).not.toHaveProperty('gov');
    const { bundle, output } = await buildApp(dir, config);
    const parsed = bundleSchema.parse(bundle);
    expect(parsed.mainModule).toBe('index.js');
    expect(parsed.vars.MINISTRY_NAME).toBe('Ministère de démonstration');
    // Nothing phoned home: no banner, so no update check.
    expect(output).not.toMatch(/update available|⛅️/);
    expect(output).not.toMatch(/Unexpected fields/);
    expect((await readdir(dir)).filter((f) => !before.includes(f) && f !== '.wrangler')).toEqual(
      [],
    );
  });

  it('reports a build error in one line', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gov-bad-'));
    try {
      await writeFile(
        path.join(dir, 'wrangler.jsonc'),
        '{ "name": "casse", "main": "index.js", "compatibility_date": "2026-04-01" }',
      );
      await writeFile(path.join(dir, 'index.js'), 'export default { fetch( { oops');
      const error = await buildApp(dir, readAppConfig(dir)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect((error as UserError).code).toBe('build_failed');
      expect((error as UserError).message).toMatch(/^build failed: /);
      expect((error as UserError).message).not.toContain('\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('readAppConfig', () => {
  it.each([
    ['no config', undefined, /no wrangler\.jsonc/],
    ['broken JSONC', '{ "name": ', /not valid JSONC/],
    ['an array', '[]', /not valid JSONC/],
  ])('refuses %s with a hint', async (_label, content, message) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gov-cfg-'));
    try {
      if (content !== undefined) await writeFile(path.join(dir, 'wrangler.jsonc'), content);
      expect(() => readAppConfig(dir)).toThrow(message);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('passes structured vars as JSON text', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gov-cfg-'));
    try {
      await writeFile(
        path.join(dir, 'wrangler.jsonc'),
        '{ "name": "x", "vars": { "LIMITS": { "max": 3 }, "ON": true } }',
      );
      expect(readAppConfig(dir).vars).toEqual({ LIMITS: '{"max":3}', ON: 'true' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
