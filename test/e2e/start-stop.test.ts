import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { findStrayWorkerd } from '../../platform/src/drivers/local/agent/strays.ts';
import { repoRoot } from '../support/platform-process.ts';

/** Running, as opposed to gone or a zombie. */
async function isAlive(pid: number) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return stat !== '' && state !== 'Z' && state !== 'X';
}

/** `npm start` exactly as the README says, in a data directory of its own. */
async function npmStart(dataDir: string): Promise<ChildProcess> {
  // The embedded default, whatever database the rest of the suite runs on.
  const { DATABASE_URL: _ignored, ...env } = process.env;
  const child = spawn('npm', ['start', '--silent'], {
    cwd: repoRoot,
    env: {
      ...env,
      GOV_DATA_DIR: dataDir,
      GOV_API_PORT: '0',
      GOV_GATEWAY_PORT: '0',
      GOV_DEV_IDP_PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (c: Buffer) => {
    log += c.toString();
  });
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`npm start exited (${code}):\n${log}`)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      if (line.startsWith('Press Ctrl+C')) resolve();
    });
  });
  return child;
}

describe('npm start', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'stops everything it started when %s reaches its main process alone',
    async (signal) => {
      const dataDir = await mkdtemp(path.join(tmpdir(), 'gov-start-'));
      try {
        const npm = await npmStart(dataDir);
        const started = JSON.parse(
          await readFile(path.join(dataDir, 'run', 'processes.json'), 'utf8'),
        ) as Record<string, number>;
        const apps = await findStrayWorkerd(path.join(dataDir, 'run'));
        // The demo app runs: there is a workerd to leave behind, if anything does.
        expect(apps.length).toBeGreaterThan(0);
        const pids = [...Object.values(started), ...apps];
        const exited = new Promise((resolve) => npm.once('exit', resolve));
        // Not the terminal's Ctrl+C to the whole group: one signal, to npm only.
        npm.kill(signal);
        await exited;
        for (const pid of pids) {
          await expect.poll(() => isAlive(pid), { timeout: 20_000 }).toBe(false);
        }
        expect(await findStrayWorkerd(path.join(dataDir, 'run'))).toEqual([]);
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    },
    90_000,
  );
});
