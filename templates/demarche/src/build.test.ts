import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const templateDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const wrangler = path.resolve(templateDir, '../../node_modules/.bin/wrangler');

/**
 * The template is a standard Workers app: plain wrangler builds it, `gov`
 * section and all (gov deploy builds it its own way, tested in sdk/).
 *
 * Nothing may leave the machine. WRANGLER_SEND_METRICS=false stops the
 * metrics, but the warning about the unknown `gov` field makes wrangler ask
 * the npm registry for a newer version. Its update check reads the registry
 * from `npm_registry` (not `npm_config_registry`), so point that at a closed
 * loopback port; a fresh TMPDIR keeps it from answering from a cached check.
 */
it('builds offline with `wrangler deploy --dry-run`, warning only about the gov section', async () => {
  const scratch = await mkdtemp(path.join(tmpdir(), 'gov-demarche-'));
  const outdir = path.join(scratch, 'out');
  try {
    const { code, output } = await new Promise<{ code: number | null; output: string }>(
      (resolve, reject) => {
        const child = spawn(wrangler, ['deploy', '--dry-run', '--outdir', outdir], {
          cwd: templateDir,
          env: {
            ...process.env,
            WRANGLER_SEND_METRICS: 'false',
            WRANGLER_SEND_ERROR_REPORTS: 'false',
            WRANGLER_HIDE_BANNER: 'true',
            WRANGLER_LOG_PATH: scratch,
            npm_registry: 'http://127.0.0.1:9/',
            TMPDIR: scratch,
            FORCE_COLOR: '0',
            NO_COLOR: '1',
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
        });
        child.stderr.on('data', (chunk: Buffer) => {
          output += chunk.toString();
        });
        child.on('error', reject);
        child.on('exit', (code) => resolve({ code, output }));
      },
    );
    expect(code, output).toBe(0);
    const files = await readdir(outdir);
    expect(files).toContain('index.js');
    expect(output).toContain('Unexpected fields found in top-level field: "gov"');
    expect(output.match(/WARNING/g) ?? []).toHaveLength(1);
    // The update check failed locally: no version came back from a registry.
    expect(output).not.toMatch(/newer version|update available/i);
    expect(output).toContain('env.MINISTRY_NAME');
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}, 60_000);
