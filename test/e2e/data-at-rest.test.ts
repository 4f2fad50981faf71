import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleOf } from '../../platform/src/testing/api-harness.ts';
import { api, type PlatformProcess, startPlatformProcess } from '../support/platform-process.ts';

let platform: PlatformProcess;
beforeAll(async () => {
  // The usual umask of a shell: new files readable by everyone, unless the platform says otherwise.
  const previous = process.umask(0o022);
  try {
    platform = await startPlatformProcess();
  } finally {
    process.umask(previous);
  }
  await api(platform, 'POST', '/v1/ministries', { name: 'sante', displayName: 'Santé' });
  await api(platform, 'POST', '/v1/ministries/sante/apps', { name: 'dossiers' });
  const res = await api(
    platform,
    'POST',
    '/v1/ministries/sante/apps/dossiers/deployments',
    bundleOf(
      `export default { fetch(req, env) { return new Response(env.SECRET_DE_SERVICE); } };`,
      {
        vars: { SECRET_DE_SERVICE: 'confidentiel' },
      },
    ),
  );
  for (let i = 0; i < 200; i++) {
    const d = await api(
      platform,
      'GET',
      `/v1/ministries/sante/apps/dossiers/deployments/${res.json.version}`,
    );
    if (d.json.live) break;
    await new Promise((r) => setTimeout(r, 100));
  }
}, 60_000);
afterAll(() => platform?.destroy());

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const full = path.join(dir, entry.name);
    out.push(full);
    if (entry.isDirectory()) out.push(...(await walk(full)));
  }
  return out;
}

describe('data at rest', () => {
  it('belongs to the platform’s user alone: no directory under the data directory opens to others', async () => {
    const dirs = [platform.dataDir, ...(await walk(platform.dataDir))];
    const open: string[] = [];
    for (const p of dirs) {
      const stat = await lstat(p).catch(() => undefined);
      if (stat?.isDirectory() && (stat.mode & 0o077) !== 0)
        open.push(`${(stat.mode & 0o777).toString(8)} ${p}`);
    }
    expect(open).toEqual([]);
  });

  it('and no file in it is readable by others once the platform has stopped', async () => {
    // PGlite gives new files 0666 while it runs (in 0700 directories); they are tightened at close.
    await platform.stop();
    const paths = [platform.dataDir, ...(await walk(platform.dataDir))];
    // The database (embedded PGlite; a PostgreSQL server keeps its own files),
    // the apps' code and vars, the tokens and keys are all in there.
    const embedded = platform.databaseUrl === undefined;
    expect(paths.some((p) => p.includes(`${path.sep}db${path.sep}`))).toBe(embedded);
    expect(paths.some((p) => p.includes(`${path.sep}vars${path.sep}`))).toBe(true);
    const open: string[] = [];
    for (const p of paths) {
      const stat = await lstat(p).catch(() => undefined);
      if (!stat || stat.isSymbolicLink() || stat.isSocket()) continue;
      if ((stat.mode & 0o077) !== 0) open.push(`${(stat.mode & 0o777).toString(8)} ${p}`);
    }
    expect(open).toEqual([]);
  });
});
