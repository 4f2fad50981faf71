import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleOf } from '../testing/api-harness.ts';
import { platformHarness } from '../testing/platform-harness.ts';

let p: Awaited<ReturnType<typeof platformHarness>>;
beforeAll(async () => {
  p = await platformHarness({ startTimeoutMs: 2_000 });
}, 60_000);
afterAll(() => p.close());

const host = 'accueil.sante.localhost';
const app = '/v1/ministries/sante/apps/accueil';
const version = (n: number) =>
  `export default { fetch() { return new Response('version ${n}'); } };`;

/** Healthy until `breakAt`, unhealthy until `fixAt`, healthy again after: an outage on a clock. */
const flaky = (label: string, breakAt: number, fixAt: number) => `export default { fetch(req) {
  if (new URL(req.url).pathname === '/sante') {
    const t = Date.now();
    return new Response('', { status: t > ${breakAt} && t < ${fixAt} ? 503 : 200 });
  }
  return new Response('${label}');
} };`;

describe('reconciler with the local driver', () => {
  it('starts the first version and makes it live once ready', async () => {
    const v1 = await p.deploy('sante', 'accueil', version(1));
    expect(v1).toMatchObject({ status: 'ready', live: true, statusReason: null });
    expect(v1.conditions.find((c) => c.type === 'Available')?.status).toBe(true);
    expect((await p.citizen(host)).body).toBe('version 1');
  });

  it('keeps the old version live when the new one throws at start, with a short reason', async () => {
    const bad = await p.deploy(
      'sante',
      'accueil',
      `throw new Error('variable BASE_URL manquante'); export default {};`,
    );
    expect(bad.status).toBe('failed');
    expect(bad.statusReason).toContain('variable BASE_URL manquante');
    expect(bad.statusReason?.length).toBeLessThan(400);
    expect(bad.statusReason).not.toContain(p.platform.config.dataDir);
    expect(bad.conditions.find((c) => c.type === 'Failed')).toMatchObject({
      status: true,
      reason: 'start_error',
    });
    expect((await p.call('GET', app)).json).toMatchObject({ desiredVersion: 2, liveVersion: 1 });
    expect((await p.citizen(host)).body).toBe('version 1');
  });

  it('switches to a good new version and stops the old one', async () => {
    const v3 = await p.deploy('sante', 'accueil', version(3));
    expect(v3.live).toBe(true);
    expect((await p.citizen(host)).body).toBe('version 3');
    const appId = (await p.call('GET', app)).json.id;
    // The old version drains, then stops: only v3 runs for this app.
    await expect
      .poll(
        async () =>
          (await p.driver.list()).filter((o) => o.appId === appId).map((o) => o.deploymentId),
        { timeout: 10_000 },
      )
      .toEqual([v3.id]);
    const list = (await p.call('GET', `${app}/deployments`)).json.deployments;
    expect(list.map((d: { version: number; status: string }) => [d.version, d.status])).toEqual([
      [3, 'ready'],
      [2, 'failed'],
      [1, 'stopped'],
    ]);
  });

  it('is ready at once when "/" answers 500 or 404: readiness is not a probe of "/"', async () => {
    const res = await p.deploy(
      'sante',
      'sans-racine',
      `export default { fetch(req) {
        if (new URL(req.url).pathname === '/') throw new Error('binding DB manquant');
        return new Response('ok');
      } };`,
    );
    expect(res).toMatchObject({ status: 'ready', live: true });
    expect((await p.citizen('sans-racine.sante.localhost')).status).toBe(500);
    expect((await p.citizen('sans-racine.sante.localhost', '/autre')).body).toBe('ok');
  });

  it('rolls back to the previous working version from its stored artifact', async () => {
    const res = await p.call('POST', `${app}/rollback`);
    expect(res.json.version).toBe(1);
    await p.settled('sante', 'accueil', 1);
    await expect.poll(async () => (await p.citizen(host)).body).toBe('version 1');
    expect((await p.call('GET', app)).json).toMatchObject({ desiredVersion: 1, liveVersion: 1 });
  });

  it('supersedes versions deployed in quick succession: only the last one goes live', async () => {
    const posted: number[] = [];
    for (const n of [5, 6, 7]) {
      const res = await p.call('POST', `${app}/deployments`, bundleOf(version(n)));
      posted.push(res.json.version);
    }
    const [a, b, c] = posted as [number, number, number];
    const last = await p.settled('sante', 'accueil', c);
    expect(last).toMatchObject({ status: 'ready', live: true });
    const middle = await p.settled('sante', 'accueil', b);
    expect(middle.status).toBe('superseded');
    expect(middle.statusReason).toContain(`version ${c}`);
    expect(['superseded', 'stopped']).toContain((await p.settled('sante', 'accueil', a)).status);
    expect((await p.citizen(host)).body).toBe('version 7');
  });

  it('never gives up on a live version whose restart fails: degraded, retried, back', async () => {
    const breakAt = Date.now() + 2_500;
    const fixAt = breakAt + 4_000;
    const v = await p.deploy(
      'sante',
      'vacillant',
      flaky('tenace', breakAt, fixAt),
      {},
      {
        healthPath: '/sante',
      },
    );
    expect(v).toMatchObject({ status: 'ready', live: true });
    await new Promise((r) => setTimeout(r, Math.max(0, breakAt - Date.now() + 100)));
    for (const pid of await p.driver.pidsOf(v.id)) process.kill(pid, 'SIGKILL');
    const path = '/v1/ministries/sante/apps/vacillant/deployments/1';
    await expect
      .poll(async () => (await p.call('GET', path)).json.status, { timeout: 10_000 })
      .toBe('degraded');
    const degraded = (await p.call('GET', path)).json;
    expect(degraded.statusReason).toBeTruthy();
    // Back once the outage ends, without any platform restart; never "failed" on the way.
    await expect
      .poll(async () => (await p.call('GET', path)).json.status, { timeout: 20_000 })
      .toBe('ready');
    expect((await p.citizen('vacillant.sante.localhost')).body).toBe('tenace');
    const events = (await p.call('GET', `${path}/events`)).json.events as Array<{ type: string }>;
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['crashed', 'restarted']));
  }, 40_000);

  it('says in /readyz how app limits are enforced on this machine', async () => {
    const res = await fetch(`${p.platform.apiUrl}/readyz`);
    const body = (await res.json()) as { runtime: { limits: string } };
    expect(body).toMatchObject({ status: 'ready', runtime: { driver: 'local' } });
    expect(body.runtime.limits).toBe(p.platform.agent.agent.enforcement);
    expect(['cgroup-v1', 'watchdog']).toContain(body.runtime.limits);
  });

  it('is idempotent: reconciling again changes nothing', async () => {
    const id = (await p.call('GET', app)).json.id;
    const before = (await p.driver.list()).filter((o) => o.appId === id);
    const pids = await Promise.all(before.map((o) => p.driver.pidsOf(o.deploymentId)));
    await p.platform.reconciler.reconcileAll();
    const after = (await p.driver.list()).filter((o) => o.appId === id);
    expect(after.map((o) => o.deploymentId)).toEqual(before.map((o) => o.deploymentId));
    expect(await Promise.all(after.map((o) => p.driver.pidsOf(o.deploymentId)))).toEqual(pids);
  });

  it('stops everything of a deleted app', async () => {
    await p.deploy('sante', 'temporaire', version(1));
    const id = (await p.call('GET', '/v1/ministries/sante/apps/temporaire')).json.id;
    expect((await p.driver.list()).some((o) => o.appId === id)).toBe(true);
    await p.call('DELETE', '/v1/ministries/sante/apps/temporaire');
    await expect.poll(async () => (await p.citizen('temporaire.sante.localhost')).status).toBe(404);
    await expect
      .poll(async () => (await p.driver.list()).some((o) => o.appId === id), { timeout: 10_000 })
      .toBe(false);
  });
});
