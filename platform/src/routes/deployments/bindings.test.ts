import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployments } from '../../db/schema/index.ts';
import { type ApiHarness, apiHarness, bundleOf } from '../../testing/api-harness.ts';

const kv = { bindings: [{ kind: 'kv', name: 'REGISTRE' }] };
const path = '/v1/ministries/sante/apps/vaccins/deployments';

async function harness(driver: 'local' | 'kubernetes') {
  const api = await apiHarness({ driver });
  await api.request('POST', '/v1/ministries', { body: { name: 'sante', displayName: 'Santé' } });
  await api.request('POST', '/v1/ministries/sante/apps', { body: { name: 'vaccins' } });
  return api;
}

describe('a version with platform bindings', () => {
  let local: ApiHarness;
  let kubernetes: ApiHarness;
  beforeAll(async () => {
    local = await harness('local');
    kubernetes = await harness('kubernetes');
  });
  afterAll(async () => {
    await local?.close();
    await kubernetes?.close();
  });

  it('keeps its KV bindings with the version on the embedded default', async () => {
    const res = await local.request('POST', path, { body: bundleOf('export default {}', kv) });
    expect(res.status).toBe(202);
    const [row] = await local.database.db.select().from(deployments);
    expect(row?.bindings).toEqual([{ kind: 'kv', name: 'REGISTRE' }]);
  });

  it.each([
    ['a binding named like a var', { ...kv, vars: { REGISTRE: 'x' } }, /"REGISTRE" is bound twice/],
    ['a binding kind Gov does not have', { bindings: [{ kind: 'queue', name: 'FILE' }] }, /kind/],
    [
      'a binding name that is not an identifier',
      { bindings: [{ kind: 'kv', name: 'mon-kv' }] },
      /binding name/,
    ],
  ])('refuses %s, creating no version', async (_what, extra, message) => {
    const before = await local.database.db.$count(deployments);
    const res = await local.request('POST', path, { body: bundleOf('export default {}', extra) });
    expect(res.status).toBe(422);
    expect(res.json.error.message).toMatch(message);
    expect(await local.database.db.$count(deployments)).toBe(before);
  });

  it('is refused at deploy on Kubernetes, where no KV service is provided yet, naming it', async () => {
    const res = await kubernetes.request('POST', path, { body: bundleOf('export default {}', kv) });
    expect(res.status).toBe(422);
    expect(res.json.error.message).toMatch(
      /KV namespaces, D1 databases and R2 buckets \(REGISTRE\) are not provided on this platform's Kubernetes cluster yet/,
    );
    expect(await kubernetes.database.db.$count(deployments)).toBe(0);
  });

  it('is accepted on Kubernetes where the storage service is installed', async () => {
    const withStorage = await apiHarness({
      driver: 'kubernetes',
      kubernetes: {
        runtimeImage: 'registry.gov.ml/gov/runtime:test',
        platformNamespace: 'gov-system',
        progressDeadlineSeconds: 120,
        routing: { kind: 'gateway' },
        storage: { url: 'http://gov-storage.gov-system.svc:8080', key: 'k'.repeat(32) },
        serviceRelay: null,
      },
    });
    try {
      await withStorage.request('POST', '/v1/ministries', {
        body: { name: 'sante', displayName: 'Santé' },
      });
      await withStorage.request('POST', '/v1/ministries/sante/apps', { body: { name: 'vaccins' } });
      const res = await withStorage.request('POST', path, {
        body: bundleOf('export default {}', kv),
      });
      expect(res.status).toBe(202);
      // Durable Objects too, on a volume of the app's.
      const objects = await withStorage.request('POST', path, {
        body: bundleOf('export default {}', {
          durableObjects: [{ name: 'COMPTEUR', className: 'Compteur', sql: true }],
        }),
      });
      expect(objects.status).toBe(202);
    } finally {
      await withStorage.close();
    }
  });

  it('keeps its cron triggers on Kubernetes, where the scheduler reaches pods', async () => {
    const res = await kubernetes.request('POST', path, {
      body: bundleOf('export default {}', { triggers: { crons: ['0 3 * * *'] } }),
    });
    expect(res.status).toBe(202);
    const [row] = await kubernetes.database.db.select().from(deployments);
    expect(row?.crons).toEqual(['0 3 * * *']);
  });

  it('is refused at deploy on a cluster without the gateway relay when it has service bindings, naming them', async () => {
    const res = await kubernetes.request('POST', path, {
      body: bundleOf('export default {}', { services: [{ name: 'ETAT', app: 'vaccins' }] }),
    });
    expect(res.status).toBe(422);
    expect(res.json.error.message).toMatch(/service bindings \(ETAT\) are not provided/);
  });
});
