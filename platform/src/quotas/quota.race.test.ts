import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apps, deployments, ministries } from '../db/schema/index.ts';
import { type ApiHarness, apiHarness, bundleOf } from '../testing/api-harness.ts';

/**
 * Quotas hold under concurrency: many requests at once are checked and
 * inserted one after the other, never all against the same count.
 */
let api: ApiHarness;
let ministryId = '';
beforeAll(async () => {
  api = await apiHarness();
  await api.request('POST', '/v1/ministries', { body: { name: 'sante', displayName: 'Santé' } });
  ministryId =
    (await api.database.db.select().from(ministries).where(eq(ministries.name, 'sante')))[0]?.id ??
    '';
});
afterAll(() => api.close());

describe('quotas under concurrent requests', () => {
  it('creates exactly maxApps apps out of 40 parallel creations', async () => {
    await api.request('PATCH', '/v1/ministries/sante/quota', { body: { maxApps: 3 } });
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        api.request('POST', '/v1/ministries/sante/apps', { body: { name: `app-${i}` } }),
      ),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(3);
    expect(answers.filter((a) => a.status === 403)).toHaveLength(37);
    expect(await api.database.db.$count(apps, eq(apps.ministryId, ministryId))).toBe(3);
  });

  it('accepts exactly maxDeploymentsPerDay deploys out of 20 parallel ones', async () => {
    await api.request('PATCH', '/v1/ministries/sante/quota', { body: { maxDeploymentsPerDay: 5 } });
    const names = (await api.request('GET', '/v1/ministries/sante/apps')).json.apps.map(
      (a: { name: string }) => a.name,
    );
    expect(names).toHaveLength(3);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api.request('POST', `/v1/ministries/sante/apps/${names[i % 3]}/deployments`, {
          body: bundleOf(`export default { fetch() { return new Response('${i}'); } };`),
        }),
      ),
    );
    // 5 a day in all, across the ministry's apps.
    const statuses = answers.map(
      (a) => `${a.status} ${a.json?.error?.code ?? ''} ${a.json?.error?.message ?? ''}`,
    );
    expect(
      answers.filter((a) => a.status === 202),
      statuses.join('\n'),
    ).toHaveLength(5);
    expect(await api.database.db.$count(deployments)).toBe(5);
  });
});
