import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleOf } from '../../platform/src/testing/api-harness.ts';
import { api, type PlatformProcess, startPlatformProcess } from '../support/platform-process.ts';
import { restartUnderLoad } from './restart-under-load.ts';

let platform: PlatformProcess;
beforeAll(async () => {
  platform = await startPlatformProcess({ GOV_IDLE_TIMEOUT_MS: '1500' });
  await api(platform, 'POST', '/v1/ministries', { name: 'charge', displayName: 'Charge' });
  // A busy service: the per-minute quota must not be what is measured.
  await api(platform, 'PATCH', '/v1/ministries/charge/quota', {
    maxRequestsPerMinutePerApp: 10_000_000,
  });
  for (const app of ['actif', 'dormant']) {
    await api(platform, 'POST', '/v1/ministries/charge/apps', { name: app });
    const res = await api(
      platform,
      'POST',
      `/v1/ministries/charge/apps/${app}/deployments`,
      bundleOf(`export default { fetch() { return new Response('${app}'); } };`),
    );
    expect(res.status).toBe(202);
  }
  for (let i = 0; i < 200; i++) {
    const live = (await api(platform, 'GET', '/v1/ministries/charge/apps/dormant')).json
      .liveVersion;
    if (live === 1) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the apps did not go live');
}, 90_000);
afterAll(() => platform?.destroy());

describe('restarting the control plane under citizen load', () => {
  it('fails no citizen request, restarts no app, wakes no idle app (SIGTERM, then SIGKILL)', async () => {
    const result = await restartUnderLoad(platform);
    expect(result.restarts).toHaveLength(2);
    expect(result.requests).toBeGreaterThan(100);
    expect(result.failures).toEqual([]);
    expect(result.failed).toBe(0);
    expect(result.appPidsKept).toBe(true);
    expect(result.idleAppStayedIdle).toBe(true);
  }, 120_000);
});
