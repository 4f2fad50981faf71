import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { findStrayWorkerd } from '../../platform/src/drivers/local/agent/strays.ts';
import { citizenRequest } from '../support/citizen.ts';
import { api, type PlatformProcess, repoRoot } from '../support/platform-process.ts';

export interface DeployStormResult {
  deploys: number;
  /** Printed a URL, and that URL answered 200. */
  live: number;
  /** Exited non-zero with a one-line reason (superseded by a newer deploy, most of them). */
  failedWithReason: number;
  /** Exited without a URL or a reason: must be 0. */
  unexplained: number;
  /** A URL was printed but does not serve: must be 0. */
  urlsNotServing: number;
  /** Uploads the platform acknowledged (a version number was printed) but that are not stored. */
  lost: number;
  /** Versions stored twice for one run (each run's code is unique, so the same artifact twice). */
  duplicates: number;
  /** workerd processes running that the agent does not account for. */
  strays: number;
  controlPlaneKilledAfterUploads: number;
  /** Each run: how it ended and how long it took, for a failure report. */
  runs: Array<{ app: string; code: number | null; seconds: number; last: string }>;
}

interface Run {
  app: string;
  code: number | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** A Workers project of its own, in a folder of its own, as a ministry developer has. */
async function project(root: string, app: string, n: number): Promise<string> {
  const dir = path.join(root, `${app}-${n}`);
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, 'wrangler.jsonc'),
    JSON.stringify({
      name: app,
      main: 'index.js',
      compatibility_date: '2026-04-01',
      gov: { ministry: 'orage' },
    }),
  );
  await writeFile(
    path.join(dir, 'index.js'),
    `export default { fetch() { return new Response(${JSON.stringify(`${app} n°${n}`)}); } };\n`,
  );
  return dir;
}

/**
 * `deploys` concurrent `gov deploy` runs (the real CLI, real wrangler builds)
 * over `apps` apps; once `killAfterUploads` uploads were acknowledged, the
 * control plane is killed with SIGKILL and the launcher starts it again.
 * Every run must end with a URL that serves or a reason; nothing
 * acknowledged may be lost or stored twice; no process may be left over.
 */
export async function deployStorm(
  platform: PlatformProcess,
  options: { deploys?: number; apps?: number; killAfterUploads?: number } = {},
): Promise<DeployStormResult> {
  const deploys = options.deploys ?? 20;
  const appCount = options.apps ?? 5;
  const killAfter = options.killAfterUploads ?? Math.ceil(deploys / 4);
  await api(platform, 'POST', '/v1/ministries', { name: 'orage', displayName: 'Orage' });
  const root = await mkdtemp(path.join(tmpdir(), 'gov-storm-'));
  try {
    const dirs = await Promise.all(
      Array.from({ length: deploys }, (_, i) => project(root, `app${i % appCount}`, i)),
    );
    let uploads = 0;
    let killed: Promise<void> | undefined;
    const runs = await Promise.all(
      dirs.map(
        (dir) =>
          new Promise<Run>((resolve, reject) => {
            const started = performance.now();
            const child: ChildProcess = spawn(
              process.execPath,
              [
                path.join(repoRoot, 'sdk/bin/gov.js'),
                'deploy',
                dir,
                '--json',
                '--timeout-ms',
                '180000',
              ],
              { env: platform.cliEnv, stdio: ['ignore', 'pipe', 'pipe'] },
            );
            let stdout = '';
            let stderr = '';
            child.stdout?.on('data', (c: Buffer) => {
              stdout += c.toString();
            });
            child.stderr?.on('data', (c: Buffer) => {
              const text = c.toString();
              stderr += text;
              if (/\bupload\b.*version \d+/.test(text)) {
                uploads += 1;
                if (uploads === killAfter) killed = platform.restartControlPlane('SIGKILL');
              }
            });
            child.on('error', reject);
            child.on('exit', (code) =>
              resolve({
                app: path.basename(dir).replace(/-\d+$/, ''),
                code,
                stdout,
                stderr,
                durationMs: performance.now() - started,
              }),
            );
          }),
      ),
    );
    await killed;

    let live = 0;
    let failedWithReason = 0;
    let unexplained = 0;
    let urlsNotServing = 0;
    const acknowledged = new Set<string>();
    for (const run of runs) {
      const version = /upload\s.*version (\d+)/.exec(run.stderr)?.[1];
      if (version) acknowledged.add(`${run.app}#${version}`);
      if (run.code === 0) {
        const { url } = JSON.parse(run.stdout) as { url: string };
        const res = await citizenRequest(url).catch(() => ({ status: 0 }));
        if (res.status === 200) live += 1;
        else urlsNotServing += 1;
      } else if (/^gov: .+/m.test(run.stderr)) failedWithReason += 1;
      else unexplained += 1;
    }

    const stored = new Set<string>();
    const artifacts = new Map<string, number>();
    for (let i = 0; i < appCount; i++) {
      const res = await api(platform, 'GET', `/v1/ministries/orage/apps/app${i}/deployments`);
      const list = (res.json?.deployments ?? []) as Array<{
        version: number;
        artifact: { sha256: string };
      }>;
      for (const d of list) {
        stored.add(`app${i}#${d.version}`);
        artifacts.set(d.artifact.sha256, (artifacts.get(d.artifact.sha256) ?? 0) + 1);
      }
    }
    const duplicates = [...artifacts.values()].reduce((n, c) => n + c - 1, 0);
    const lost = [...acknowledged].filter((k) => !stored.has(k)).length;

    // Once superseded versions have drained, the agent runs what it reports, and nothing else.
    const runDir = path.join(platform.dataDir, 'run');
    let strays = 0;
    for (let attempt = 0; attempt < 100; attempt++) {
      const running = await findStrayWorkerd(runDir);
      const accounted = new Set<number>();
      for (const key of stored) {
        const [app, version] = key.split('#');
        const d = await api(
          platform,
          'GET',
          `/v1/ministries/orage/apps/${app}/deployments/${version}`,
        );
        for (const pid of await platform.pidsOf(d.json.id)) accounted.add(pid);
      }
      strays = running.filter((pid) => !accounted.has(pid)).length;
      if (strays === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    return {
      deploys,
      live,
      failedWithReason,
      unexplained,
      urlsNotServing,
      lost,
      duplicates,
      strays,
      controlPlaneKilledAfterUploads: killAfter,
      runs: runs.map((r) => ({
        app: r.app,
        code: r.code,
        seconds: Math.round(r.durationMs / 100) / 10,
        last: r.stderr.trim().split('\n').slice(-3).join(' / '),
      })),
    };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
