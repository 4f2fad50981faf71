import { AppsV1Api, CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kubeConfigFor, statusOf } from './clients.ts';
import { type KubernetesApiDouble, startKubernetesApiDouble } from './start.ts';

let double: KubernetesApiDouble;
let core: CoreV1Api;
let apps: AppsV1Api;

beforeAll(async () => {
  double = await startKubernetesApiDouble({ podReadyDelayMs: 20 });
  const kc = kubeConfigFor(double);
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
});
afterAll(() => double.close());

function pod(
  name: string,
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> },
): V1Pod {
  return {
    metadata: { name },
    spec: { containers: [{ name: 'app', image: 'app:1', ...(resources ? { resources } : {}) }] },
  };
}

async function namespaceWithQuota(namespace: string, hard: Record<string, string>) {
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await core.createNamespacedResourceQuota({
    namespace,
    body: { metadata: { name: 'compute' }, spec: { hard } },
  });
}

async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (e) {
    return statusOf(e);
  }
  throw new Error('expected the request to fail');
}

describe('resource quota admission', () => {
  it('refuses a pod beyond the pod count with 403 "exceeded quota"', async () => {
    await namespaceWithQuota('counted', { pods: '2' });
    await core.createNamespacedPod({ namespace: 'counted', body: pod('one') });
    await core.createNamespacedPod({ namespace: 'counted', body: pod('two') });
    const status = await failure(
      core.createNamespacedPod({ namespace: 'counted', body: pod('three') }),
    );
    expect(status).toMatchObject({
      code: 403,
      reason: 'Forbidden',
      message:
        'pods "three" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=2, limited: pods=2',
    });
  });

  it('adds up cpu and memory quantities in any unit', async () => {
    await namespaceWithQuota('sized', { 'requests.cpu': '1', 'limits.memory': '256Mi' });
    const resources = { requests: { cpu: '500m' }, limits: { memory: '0.125Gi' } };
    await core.createNamespacedPod({ namespace: 'sized', body: pod('half-1', resources) });
    await core.createNamespacedPod({
      namespace: 'sized',
      body: pod('half-2', { requests: { cpu: '0.5' }, limits: { memory: '128Mi' } }),
    });
    const status = await failure(
      core.createNamespacedPod({
        namespace: 'sized',
        body: pod('more', { requests: { cpu: '100m' }, limits: { memory: '1Mi' } }),
      }),
    );
    expect(status.message).toBe(
      'pods "more" is forbidden: exceeded quota: compute, requested: limits.memory=1Mi,requests.cpu=100m, used: limits.memory=256Mi,requests.cpu=1, limited: limits.memory=256Mi,requests.cpu=1',
    );
  });

  it('requires pods to state what a quota limits', async () => {
    const status = await failure(
      core.createNamespacedPod({ namespace: 'sized', body: pod('vague') }),
    );
    expect(status.code).toBe(403);
    expect(status.message).toContain('failed quota: compute: must specify');
  });

  it('fills requests and limits from a LimitRange before checking', async () => {
    await namespaceWithQuota('ranged', { 'requests.cpu': '1', 'limits.memory': '1Gi' });
    await core.createNamespacedLimitRange({
      namespace: 'ranged',
      // client-node's model calls `default` `_default` (a reserved word in its generator).
      body: {
        metadata: { name: 'defaults' },
        spec: {
          limits: [
            { type: 'Container', _default: { memory: '256Mi' }, defaultRequest: { cpu: '250m' } },
          ],
        },
      },
    });
    const created = await core.createNamespacedPod({ namespace: 'ranged', body: pod('defaulted') });
    expect(created.spec?.containers[0]?.resources).toEqual({
      limits: { memory: '256Mi' },
      requests: { cpu: '250m', memory: '256Mi' },
    });
    const quota = await eventually(async () => {
      const q = await core.readNamespacedResourceQuota({ name: 'compute', namespace: 'ranged' });
      return q.status?.used?.['requests.cpu'] === '250m' ? q : undefined;
    });
    expect(quota.status?.used).toEqual({ 'requests.cpu': '250m', 'limits.memory': '256Mi' });
  });

  it('shows a deployment held back by quota as ReplicaFailure/FailedCreate, and recovers when the quota grows', async () => {
    await namespaceWithQuota('tight', { pods: '1' });
    await apps.createNamespacedDeployment({
      namespace: 'tight',
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'app', image: 'app:1' }] },
          },
        },
      },
    });
    const failed = await eventually(async () => {
      const d = await apps.readNamespacedDeployment({ name: 'web', namespace: 'tight' });
      return d.status?.conditions?.find((c) => c.type === 'ReplicaFailure');
    });
    expect(failed).toMatchObject({ status: 'True', reason: 'FailedCreate' });
    expect(failed.message).toMatch(
      /^pods "web-[a-z0-9]+-[a-z0-9]{5}" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=1, limited: pods=1$/,
    );
    const events = await core.listNamespacedEvent({
      namespace: 'tight',
      fieldSelector: 'reason=FailedCreate',
    });
    expect(events.items[0]?.message).toContain('exceeded quota');

    await core.replaceNamespacedResourceQuota({
      name: 'compute',
      namespace: 'tight',
      body: { metadata: { name: 'compute' }, spec: { hard: { pods: '5' } } },
    });
    const recovered = await eventually(async () => {
      const d = await apps.readNamespacedDeployment({ name: 'web', namespace: 'tight' });
      return d.status?.availableReplicas === 3 ? d : undefined;
    });
    expect(recovered.status?.conditions?.map((c) => c.type)).not.toContain('ReplicaFailure');
  });
});
