import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apps, deployments } from '../db/schema/index.ts';
import { bundleOf } from '../testing/api-harness.ts';
import { platformHarness } from '../testing/platform-harness.ts';

let p: Awaited<ReturnType<typeof platformHarness>>;
const hello = `export default { fetch() { return new Response('bonjour'); } };`;
beforeAll(async () => {
  p = await platformHarness();
  await p.deploy('sante', 'accueil', hello);
});
afterAll(() => p.close());

const setQuota = (body: Record<string, number>) =>
  p.call('PATCH', '/v1/ministries/sante/quota', body);
const counts = async () => ({
  apps: await p.platform.database.db.$count(apps),
  deployments: await p.platform.database.db.$count(deployments),
});

describe('quotas at deploy', () => {
  it('lets operators read and change a ministry quota, audited with before and after', async () => {
    const before = await p.call('GET', '/v1/ministries/sante/quota');
    expect(before.json.limits).toMatchObject({ maxApps: 10, maxDeploymentsPerDay: 50 });
    expect(before.json.usage).toEqual({ apps: 1, deploymentsLastDay: 1, kvBytes: 0 });
    const after = await setQuota({ maxApps: 1 });
    expect(after.status).toBe(200);
    expect(after.json.limits.maxApps).toBe(1);
    const audit = await p.call('GET', '/v1/ministries/sante/audit?action=quota.update');
    expect(audit.json.records.at(-1).details.changes).toEqual({ maxApps: { from: 10, to: 1 } });
  });

  it('refuses a new app past the quota, naming limit, usage and who can raise it', async () => {
    const before = await counts();
    const res = await p.call('POST', '/v1/ministries/sante/apps', { name: 'deuxieme' });
    expect(res.status).toBe(403);
    expect(res.json.error).toMatchObject({
      code: 'quota_exceeded',
      message: 'ministry "sante" has reached its number of apps: 1 apps, its quota is 1 apps',
    });
    expect(res.json.error.hint).toMatch(/platform operator/);
    expect(await counts()).toEqual(before);
  });

  it('refuses a bundle, memory or instances over the quota', async () => {
    await setQuota({ maxBundleBytes: 50, maxMemoryMibPerApp: 128, maxInstancesPerApp: 1 });
    const before = await counts();
    const path = '/v1/ministries/sante/apps/accueil/deployments';
    const big = await p.call('POST', path, bundleOf(`// ${'x'.repeat(100)}\n${hello}`));
    expect(big.json.error.code).toBe('quota_exceeded');
    expect(big.json.error.message).toMatch(/bundle.*its quota is 0\.0 MiB/);
    await setQuota({ maxBundleBytes: 1024 * 1024 });
    const memory = await p.call('POST', path, bundleOf(hello, { limits: { memoryMib: 512 } }));
    expect(memory.json.error.message).toMatch(/512 MiB asked, its quota is 128 MiB per app/);
    const instances = await p.call('POST', path, bundleOf(hello, { limits: { instances: 3 } }));
    expect(instances.json.error.message).toMatch(/3 asked, its quota is 1 per app/);
    expect(await counts()).toEqual(before);
  });

  it('refuses deployments past the daily count', async () => {
    await setQuota({ maxDeploymentsPerDay: 2 });
    const path = '/v1/ministries/sante/apps/accueil/deployments';
    expect((await p.call('POST', path, bundleOf(hello))).status).toBe(202);
    const third = await p.call('POST', path, bundleOf(hello));
    expect(third.status).toBe(403);
    expect(third.json.error.message).toMatch(
      /2 deployments in the last 24 hours, its quota is 2 a day/,
    );
  });
});

describe('requests per minute at the gateway', () => {
  it('answers 429 with Retry-After and a French page past the quota', async () => {
    await setQuota({ maxRequestsPerMinutePerApp: 3 });
    // The gateway hears of the new limit at once: the next request is counted against it.
    await expect
      .poll(() => p.platform.gateway.table.lookup('sante', 'accueil')?.maxRequestsPerMinute)
      .toBe(3);
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof p.citizen>> | undefined;
    // Seven requests cross at most one minute boundary, so at least one is over 3 a minute.
    for (let i = 0; i < 7; i++) {
      const res = await p.citizen('accueil.sante.localhost');
      statuses.push(res.status);
      if (res.status === 429) refused ??= res;
    }
    expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
    expect(refused?.body).toContain('Trop de demandes en ce moment');
    expect(refused?.body).toContain('lang="fr"');
    expect(Number(refused?.headers['retry-after'])).toBeGreaterThan(0);
    // The citizens turned away are counted, apart from the requests served.
    await p.platform.gateway.usage.flush();
    const [accueil] = (await p.call('GET', '/v1/ministries/sante/usage')).json.apps;
    const turnedAway = statuses.filter((s) => s === 429).length;
    expect(accueil.rejected).toBe(turnedAway);
    await setQuota({ maxRequestsPerMinutePerApp: 6000 });
    await expect
      .poll(() => p.platform.gateway.table.lookup('sante', 'accueil')?.maxRequestsPerMinute)
      .toBe(6000);
  });
});

describe('metered usage', () => {
  it('counts requests, errors and bytes per app per minute, readable against the quota', async () => {
    await p.platform.gateway.usage.flush();
    const before = (await p.call('GET', '/v1/ministries/sante/usage')).json.apps[0]?.requests ?? 0;
    for (let i = 0; i < 4; i++) {
      await p.citizen('accueil.sante.localhost', '/', { method: 'POST', body: 'nom=Keita' });
    }
    await p.platform.gateway.usage.flush();
    const usage = await p.call('GET', '/v1/ministries/sante/usage');
    expect(usage.json.quota).toEqual({ maxRequestsPerMinutePerApp: 6000 });
    const [accueil] = usage.json.apps;
    expect(accueil.app).toBe('accueil');
    expect(accueil.requests - before).toBe(4);
    expect(accueil.bytesIn).toBeGreaterThanOrEqual(4 * 'nom=Keita'.length);
    expect(accueil.bytesOut).toBeGreaterThanOrEqual(4 * 'bonjour'.length);
    const minutes = await p.call('GET', '/v1/ministries/sante/apps/accueil/usage');
    expect(
      minutes.json.minutes.reduce((n: number, m: { requests: number }) => n + m.requests, 0),
    ).toBe(accueil.requests);
    const bad = await p.call('GET', '/v1/ministries/sante/usage?from=hier');
    expect(bad.status).toBe(400);
  });
});
