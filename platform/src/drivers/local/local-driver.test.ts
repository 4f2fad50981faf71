import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localAgentHarness } from '../../testing/local-agent-harness.ts';
import { driverContract } from '../contract.ts';
import { findStrayWorkerd } from './agent/strays.ts';

const healthy = `export default { fetch() { return new Response('bonjour'); } };`;
const throwsAtStart = `throw new Error('configuration manquante'); export default {};`;

driverContract('local', async () => {
  const h = await localAgentHarness();
  return {
    driver: h.driver,
    ministry: {
      ministryId: 'min_test',
      ministry: 'test',
      quota: {
        maxApps: 10,
        maxMemoryMibPerApp: 256,
        maxInstancesPerApp: 2,
        maxKvBytes: 100 * 1024 * 1024,
      },
      egress: { allowedHosts: [] },
    },
    async spec(scenario, overrides) {
      return h.spec(scenario === 'healthy' ? healthy : throwsAtStart, overrides);
    },
    close: () => h.close(),
  };
});

describe('local driver', () => {
  let h: Awaited<ReturnType<typeof localAgentHarness>>;
  beforeAll(async () => {
    h = await localAgentHarness({ idleTimeoutMs: 400 });
  });
  afterAll(() => h.close());

  const available = async (id: string) =>
    (await h.driver.list())
      .find((v) => v.deploymentId === id)
      ?.conditions.find((c) => c.type === 'Available')?.status;

  it('runs the code it was given, on loopback, and counts instances', async () => {
    const spec = h.spec(healthy, { instances: 2 });
    await h.driver.apply(spec);
    await expect
      .poll(async () => (await h.driver.endpoints(spec.deploymentId)).length, { timeout: 20_000 })
      .toBe(2);
    const endpoints = await h.driver.endpoints(spec.deploymentId);
    for (const e of endpoints) {
      expect(e.host).toBe('127.0.0.1');
      expect(await (await fetch(`http://127.0.0.1:${e.port}/`)).text()).toBe('bonjour');
    }
    await h.driver.remove(spec.deploymentId);
  });

  it('never runs an artifact whose bytes do not match its digest', async () => {
    // Code this agent never fetched, so it holds no verified copy of it.
    const spec = h.spec(`export default { fetch() { return new Response('officiel'); } };`);
    h.artifacts.tamper(
      spec.artifact.sha256,
      `export default { fetch() { return new Response('pirate'); } };`,
    );
    await h.driver.apply(spec);
    await expect
      .poll(async () =>
        (await h.driver.list())
          .find((v) => v.deploymentId === spec.deploymentId)
          ?.conditions.find((c) => c.type === 'Failed'),
      )
      .toMatchObject({ status: true, reason: 'artifact_invalid' });
    expect(await h.driver.endpoints(spec.deploymentId)).toEqual([]);
  });

  it('scales an idle version to zero and wakes it on demand', async () => {
    const spec = h.spec(healthy);
    await h.driver.apply(spec);
    await expect.poll(() => available(spec.deploymentId), { timeout: 20_000 }).toBe(true);
    await expect
      .poll(
        async () => (await h.driver.list()).find((v) => v.deploymentId === spec.deploymentId)?.idle,
        {
          timeout: 10_000,
        },
      )
      .toBe(true);
    await expect.poll(() => h.driver.endpoints(spec.deploymentId)).toEqual([]);
    await h.driver.wake(spec.deploymentId, 15_000);
    const [endpoint] = await h.driver.endpoints(spec.deploymentId);
    expect(await (await fetch(`http://127.0.0.1:${endpoint?.port}/`)).text()).toBe('bonjour');
  });

  it('lets a request in flight finish before a removed version stops', async () => {
    const spec = h.spec(`export default { async fetch() {
      await new Promise((r) => setTimeout(r, 800));
      return new Response('fini');
    } };`);
    await h.driver.apply(spec);
    await expect.poll(() => available(spec.deploymentId), { timeout: 20_000 }).toBe(true);
    const [endpoint] = await h.driver.endpoints(spec.deploymentId);
    const release = h.driver.track(spec.deploymentId);
    const answer = fetch(`http://127.0.0.1:${endpoint?.port}/`).then((r) => r.text());
    await h.driver.remove(spec.deploymentId);
    expect(await answer).toBe('fini');
    release();
    await expect
      .poll(async () => (await h.driver.list()).some((v) => v.deploymentId === spec.deploymentId), {
        timeout: 10_000,
      })
      .toBe(false);
  });

  it('keeps a version that is applied again while it drains, in the same process', async () => {
    // A rollback right after a deploy wants back the version being removed.
    const spec = h.spec(healthy);
    await h.driver.apply(spec);
    await expect.poll(() => available(spec.deploymentId), { timeout: 20_000 }).toBe(true);
    const [pid] = await h.driver.pidsOf(spec.deploymentId);
    await h.driver.remove(spec.deploymentId);
    // While it drains it is not observed as running its spec: a controller re-applies it.
    const draining = (await h.driver.list()).find((v) => v.deploymentId === spec.deploymentId);
    expect(draining?.generation).not.toBe(spec.generation);
    expect(draining?.instances.ready).toBe(0);
    await h.driver.apply(spec);
    const observed = (await h.driver.list()).find((v) => v.deploymentId === spec.deploymentId);
    expect(observed).toMatchObject({ generation: spec.generation, instances: { ready: 1 } });
    expect((await h.driver.endpoints(spec.deploymentId)).length).toBe(1);
    expect(await h.driver.pidsOf(spec.deploymentId)).toEqual([pid]);
    // Well past the drain it is still this agent's (idle by now: this agent idles fast), not removed.
    await new Promise((r) => setTimeout(r, 2_500));
    const later = (await h.driver.list()).find((v) => v.deploymentId === spec.deploymentId);
    expect(later).toMatchObject({ generation: spec.generation });
    expect(later?.conditions.find((c) => c.type === 'Available')?.status).toBe(true);
    await h.driver.remove(spec.deploymentId);
  });

  it('finds workerd processes a dead agent left behind and stops them at the next start', async () => {
    const spec = h.spec(healthy);
    await h.driver.apply(spec);
    await expect.poll(() => available(spec.deploymentId), { timeout: 20_000 }).toBe(true);
    const pids = await h.driver.pidsOf(spec.deploymentId);
    expect(pids).toHaveLength(1);
    expect(await findStrayWorkerd(h.runDir)).toEqual(expect.arrayContaining(pids));
    // The agent "dies" without stopping its children; a new one starts on the same directory.
    await h.restartAgent('abandon');
    await expect.poll(() => findStrayWorkerd(h.runDir), { timeout: 5_000 }).toEqual([]);
  });
});

describe('local agent start concurrency', () => {
  it('starts at most the configured number of processes at once (boot of many apps)', async () => {
    const h = await localAgentHarness({ maxConcurrentStarts: 1 });
    try {
      // Each instance is unhealthy for its first 400 ms: a start holds its slot that long.
      const slow = `const born = Date.now();
        export default { fetch(req) {
          if (new URL(req.url).pathname === '/sante') {
            return new Response('', { status: Date.now() - born < 400 ? 503 : 200 });
          }
          return new Response('ok');
        } };`;
      const started: Array<{ id: string; at: number }> = [];
      h.driver.watch((e) => {
        if (e.kind === 'event' && e.event.type === 'started') {
          started.push({ id: e.event.deploymentId, at: Date.parse(e.event.at) });
        }
      });
      const specs = [1, 2, 3].map((n) => h.spec(`${slow}\n// ${n}`, { healthPath: '/sante' }));
      await Promise.all(specs.map((spec) => h.driver.apply(spec)));
      await expect.poll(() => started.length, { timeout: 20_000 }).toBe(3);
      const times = started.map((s) => s.at).sort((a, b) => a - b);
      // One after the other: each became ready at least one health delay after the previous.
      for (let i = 1; i < times.length; i++) {
        expect((times[i] as number) - (times[i - 1] as number)).toBeGreaterThanOrEqual(350);
      }
    } finally {
      await h.close();
    }
  });
});
