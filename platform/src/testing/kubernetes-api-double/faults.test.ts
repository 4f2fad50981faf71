import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeConfigFor, statusOf } from './clients.ts';
import { type KubernetesApiDouble, startKubernetesApiDouble } from './start.ts';

let double: KubernetesApiDouble;
let core: CoreV1Api;

beforeAll(async () => {
  double = await startKubernetesApiDouble({ controllers: false });
  core = kubeConfigFor(double).makeApiClient(CoreV1Api);
});
afterAll(() => double.close());

const createConfigMap = (name: string) =>
  core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name } } });

async function outcome(promise: Promise<unknown>) {
  try {
    await promise;
    return 'ok';
  } catch (e) {
    return `${statusOf(e).code} ${statusOf(e).reason}`;
  }
}

describe('fault injection', () => {
  it('fails the next matching requests with 500, and only those', async () => {
    double.failNext(2, { method: 'POST', pathIncludes: '/configmaps', status: 500 });
    expect(await outcome(core.listNamespacedConfigMap({ namespace: 'default' }))).toBe('ok');
    expect(await outcome(createConfigMap('first'))).toBe('500 InternalError');
    expect(await outcome(createConfigMap('first'))).toBe('500 InternalError');
    expect(await outcome(createConfigMap('first'))).toBe('ok');
  });

  it('fails with 409 Conflict, which a client retries as a lost race', async () => {
    double.failNext(1, { status: 409 });
    expect(
      await outcome(core.readNamespacedConfigMap({ name: 'first', namespace: 'default' })),
    ).toBe('409 Conflict');
    expect(
      await outcome(core.readNamespacedConfigMap({ name: 'first', namespace: 'default' })),
    ).toBe('ok');
  });

  it('does nothing else for a failed request: the write is not made', async () => {
    double.failNext(1, { method: 'DELETE', status: 500 });
    await outcome(core.deleteNamespacedConfigMap({ name: 'first', namespace: 'default' }));
    expect(
      await outcome(core.readNamespacedConfigMap({ name: 'first', namespace: 'default' })),
    ).toBe('ok');
  });
});

describe('request recording', () => {
  it('records each request with method, path and query, so a benchmark can count API calls', async () => {
    double.requests.length = 0;
    await createConfigMap('counted');
    await core.listNamespacedConfigMap({ namespace: 'default', labelSelector: 'app=x' });
    await core.deleteNamespacedConfigMap({ name: 'counted', namespace: 'default' });
    expect(double.requests).toEqual([
      { method: 'POST', path: '/api/v1/namespaces/default/configmaps', query: '', watch: false },
      {
        method: 'GET',
        path: '/api/v1/namespaces/default/configmaps',
        query: 'labelSelector=app%3Dx',
        watch: false,
      },
      {
        method: 'DELETE',
        path: '/api/v1/namespaces/default/configmaps/counted',
        query: '',
        watch: false,
      },
    ]);
  });
});
