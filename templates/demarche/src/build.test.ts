import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const templateDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const wrangler = path.resolve(templateDir, '../../node_modules/.bin/wrangler');

it('builds offline with wrangler as gov deploy does', async () => {
  const outdir = await mkdtemp(path.join(tmpdir(), 'gov-demarche-'));
  try {
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(wrangler, ['deploy', '--dry-run', '--outdir', outdir], {
        cwd: templateDir,
        env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
        stdio: 'ignore',
      });
      child.on('exit', resolve);
    });
    expect(code).toBe(0);
    expect(await readdir(outdir)).toContain('index.js');
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
});
