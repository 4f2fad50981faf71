import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { platformHarness } from '../testing/platform-harness.ts';
import { Reconciler } from './reconciler.ts';

let p: Awaited<ReturnType<typeof platformHarness>>;
beforeAll(async () => {
  p = await platformHarness();
});
afterAll(() => p.close());

const host = 'accueil.sante.localhost';
const app = '/v1/ministries/sante/apps/accueil';
const version = (n: number) =>
  `export default { fetch() { return new Response('version ${n}'); } };`;

describe('reconciler with the local driver', () => {
  it('starts the first version and makes it live once ready', async () => {
    const v1 = await p.deploy('sante', 'accueil', version(1));
    expect(v1).toMatchObject({ status: 'ready', live: true, statusReason: null });
    expect((await p.citizen(host)).body).toBe('version 1');
  });

  it('keeps the old version live when the new one throws at start, with the reason', async () => {
    const bad = await p.deploy(
      'sante',
      'accueil',
      `throw new Error('variable BASE_URL manquante'); export default {};`,
    );
    expect(bad.status).toBe('failed');
    expect(bad.statusReason).toContain('variable BASE_URL manquante');
    expect((await p.call('GET', app)).json).toMatchObject({ desiredVersion: 2, liveVersion: 1 });
    expect((await p.citizen(host)).body).toBe('version 1');
  });

  it('switches to a good new version and stops the old one', async () => {
    const v3 = await p.deploy('sante', 'accueil', version(3));
    expect(v3.live).toBe(true);
    expect((await p.citizen(host)).body).toBe('version 3');
    const running = (await p.driver.list()).map((o) => o.deploymentId);
    expect(running).toEqual([v3.id]);
    const list = (await p.call('GET', `${app}/deployments`)).json.deployments;
    expect(list.map((d: { version: number; status: string }) => [d.version, d.status])).toEqual([
      [3, 'ready'],
      [2, 'failed'],
      [1, 'stopped'],
    ]);
  });

  it('rolls back to the previous working version from its stored artifact', async () => {
    const res = await p.call('POST', `${app}/rollback`);
    expect(res.json.version).toBe(1);
    await p.reconciler.idle();
    expect((await p.citizen(host)).body).toBe('version 1');
    expect((await p.call('GET', app)).json).toMatchObject({ desiredVersion: 1, liveVersion: 1 });
  });

  it('is idempotent: reconciling again changes nothing', async () => {
    const before = await p.driver.list();
    const pid = p.driver.pidOf(before[0]?.deploymentId ?? '');
    await p.reconciler.reconcileAll();
    expect(await p.driver.list()).toEqual(before);
    expect(p.driver.pidOf(before[0]?.deploymentId ?? '')).toBe(pid);
  });

  it('brings live apps back after a restart from the database alone', async () => {
    await p.driver.close();
    const { LocalDriver } = await import('../drivers/local/local-driver.ts');
    const { mkdtemp } = await import('node:fs/promises');
    const path = await import('node:path');
    const { tmpdir } = await import('node:os');
    const fresh = new LocalDriver({
      workDir: await mkdtemp(path.join(tmpdir(), 'gov-run-')),
      idleTimeoutMs: 60_000,
      startTimeoutMs: 15_000,
    });
    const reconciler = new Reconciler({ db: p.database.db, driver: fresh });
    await reconciler.reconcileAll();
    const running = await fresh.list();
    expect(running).toHaveLength(1);
    expect(running[0]?.state).toBe('ready');
    await fresh.close();
  });

  it('stops everything of a deleted app', async () => {
    await p.deploy('sante', 'temporaire', version(1));
    const id = (await p.call('GET', '/v1/ministries/sante/apps/temporaire')).json.id;
    expect((await p.driver.list()).some((o) => o.appId === id)).toBe(true);
    await p.call('DELETE', '/v1/ministries/sante/apps/temporaire');
    await p.reconciler.idle();
    expect((await p.driver.list()).some((o) => o.appId === id)).toBe(false);
    expect((await p.citizen('temporaire.sante.localhost')).status).toBe(404);
  });
});
