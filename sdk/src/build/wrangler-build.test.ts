import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleSchema } from '@gov/contract';
import { describe, expect, it } from 'vitest';
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
    const { bundle, output } = await buildApp(config);
    const parsed = bundleSchema.parse(bundle);
    expect(parsed.mainModule).toBe('index.js');
    expect(parsed.vars.MINISTRY_NAME).toBe('Ministère de démonstration');
    // Nothing phoned home: no banner, so no update check.
    expect(output).not.toMatch(/update available|⛅️/);
    expect(output).not.toMatch(/Unexpected fields/);
    // Another process building the same template at this moment (an e2e
    // scenario, `npm start`) has its own temporary config here; this build's
    // own, and anything else, must be gone.
    const othersBuilding = (f: string) =>
      /^\.gov-wrangler-\d+\.json$/.test(f) && f !== `.gov-wrangler-${process.pid}.json`;
    expect(
      (await readdir(dir)).filter(
        (f) => !before.includes(f) && f !== '.wrangler' && !othersBuilding(f),
      ),
    ).toEqual([]);
  });

  it('builds a throwaway Worker with text and data modules into a valid bundle', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gov-worker-'));
    try {
      await mkdir(path.join(dir, 'src'));
      await writeFile(
        path.join(dir, 'wrangler.jsonc'),
        `{
          // a comment, as wrangler.jsonc allows
          "name": "essai",
          "main": "src/worker.ts",
          "compatibility_date": "2026-04-01",
          "compatibility_flags": ["nodejs_compat"],
          "rules": [{ "type": "Text", "globs": ["**/*.md"] }],
          "vars": { "GREETING": "bonjour", "LIMITS": { "max": 3 } },
          "gov": { "ministry": "demo" },
        }`,
      );
      await writeFile(path.join(dir, 'src/notice.md'), '# Notice');
      await writeFile(path.join(dir, 'src/seal.bin'), Buffer.from([0, 1, 2]));
      await writeFile(
        path.join(dir, 'src/worker.ts'),
        `import notice from './notice.md';
        import seal from './seal.bin';
        export default {
          fetch: (_req: Request, env: { GREETING: string }) =>
            new Response(\`\${env.GREETING} \${notice} \${(seal as ArrayBuffer).byteLength}\`),
        };`,
      );
      const { bundle } = await buildApp(readAppConfig(dir));
      const parsed = bundleSchema.parse(bundle);
      expect(parsed.mainModule).toBe('worker.js');
      const byType = Object.fromEntries(parsed.modules.map((m) => [m.type, m]));
      expect(Object.keys(byType).sort()).toEqual(['data', 'esModule', 'text']);
      expect(Buffer.from(byType.text?.contentBase64 ?? '', 'base64').toString()).toBe('# Notice');
      expect(Buffer.from(byType.data?.contentBase64 ?? '', 'base64')).toEqual(
        Buffer.from([0, 1, 2]),
      );
      expect(parsed.modules.some((m) => m.name.endsWith('.map'))).toBe(false);
      expect(parsed).toMatchObject({
        compatibilityDate: '2026-04-01',
        compatibilityFlags: ['nodejs_compat'],
        vars: { GREETING: 'bonjour', LIMITS: '{"max":3}' },
      });
      // The config copy wrangler built from is gone.
      expect((await readdir(dir)).filter((f) => f.startsWith('.gov-wrangler'))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a build error in one line, naming the error and where it is', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gov-bad-'));
    try {
      await writeFile(
        path.join(dir, 'wrangler.jsonc'),
        '{ "name": "casse", "main": "index.js", "compatibility_date": "2026-04-01" }',
      );
      await writeFile(path.join(dir, 'index.js'), 'export default { fetch( { oops');
      const error = await buildApp(readAppConfig(dir)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UserError);
      expect(error).toMatchObject({
        code: 'build_failed',
        message: expect.stringMatching(
          /^build failed: Expected "}" but found end of file \(index\.js:\d+:\d+\)$/,
        ),
        hint: expect.stringMatching(/--verbose/),
      });
      // The full output is kept for --verbose, without colour codes.
      expect((error as { output?: string }).output).toContain('Build failed with 1 error');
      expect((error as { output?: string }).output).not.toContain('\u001b[');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

it('builds a wrangler.toml project from an entry point named on the command line, environment applied', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gov-toml-'));
  try {
    await mkdir(path.join(dir, 'src'));
    await writeFile(
      path.join(dir, 'wrangler.toml'),
      'name = "essai"\ncompatibility_date = "2026-04-01"\n\n[env.staging.vars]\nSTAGE = "essai"\n',
    );
    await writeFile(
      path.join(dir, 'src/worker.ts'),
      'export default { fetch: (_r: Request, env: { STAGE: string }) => new Response(env.STAGE) };',
    );
    const config = readAppConfig(path.join(dir, 'src/worker.ts'), { env: 'staging' });
    const parsed = bundleSchema.parse((await buildApp(config)).bundle);
    expect(parsed.mainModule).toBe('worker.js');
    expect(parsed.vars).toEqual({ STAGE: 'essai' });
    expect(config.name).toBe('essai-staging');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

describe('readAppConfig', () => {
  it.each([
    ['no config', undefined, /no wrangler config in/],
    ['broken JSONC', '{ "name": ', /not valid JSONC/],
    ['an array', '[]', /wrangler.jsonc is not valid: it must be one object/],
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
