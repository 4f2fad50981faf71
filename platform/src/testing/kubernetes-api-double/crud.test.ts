import {
  AppsV1Api,
  CoreV1Api,
  KubernetesObjectApi,
  PatchStrategy,
  type V1Deployment,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kubeConfigFor, statusOf } from './clients.ts';
import { type KubernetesApiDouble, startKubernetesApiDouble } from './start.ts';

let double: KubernetesApiDouble;
let objects: KubernetesObjectApi;
let core: CoreV1Api;
let apps: AppsV1Api;

beforeAll(async () => {
  // Storage semantics alone: no simulated controllers writing in the background.
  double = await startKubernetesApiDouble({ controllers: false });
  const kc = kubeConfigFor(double);
  objects = KubernetesObjectApi.makeApiClient(kc);
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
});
afterAll(() => double.close());

function deployment(name: string, namespace: string, replicas = 1) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] },
      },
    },
  };
}

async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (e) {
    return statusOf(e);
  }
  throw new Error('expected the request to fail');
}

describe('create and get', () => {
  it('stores an object with server-set metadata', async () => {
    await core.createNamespace({ body: { metadata: { name: 'crud' } } });
    const created = await core.createNamespacedConfigMap({
      namespace: 'crud',
      body: { metadata: { name: 'settings' }, data: { mode: 'fast' } },
    });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(created.metadata?.resourceVersion)).toBeGreaterThan(0);
    expect(created.metadata?.generation).toBe(1);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);

    const read = await core.readNamespacedConfigMap({ name: 'settings', namespace: 'crud' });
    expect(read.data).toEqual({ mode: 'fast' });
    expect(read.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
  });

  it('answers 409 AlreadyExists for a second create', async () => {
    const status = await failure(
      core.createNamespacedConfigMap({
        namespace: 'crud',
        body: { metadata: { name: 'settings' } },
      }),
    );
    expect(status).toMatchObject({
      code: 409,
      reason: 'AlreadyExists',
      message: 'configmaps "settings" already exists',
    });
  });

  it('answers 404 NotFound with a Status body', async () => {
    const status = await failure(
      apps.readNamespacedDeployment({ name: 'nothing', namespace: 'crud' }),
    );
    expect(status).toMatchObject({
      kind: 'Status',
      code: 404,
      reason: 'NotFound',
      message: 'deployments.apps "nothing" not found',
      details: { name: 'nothing', group: 'apps', kind: 'deployments' },
    });
  });

  it('refuses objects in a namespace that does not exist', async () => {
    const status = await failure(objects.create(deployment('web', 'nowhere')));
    expect(status).toMatchObject({ code: 404, message: 'namespaces "nowhere" not found' });
  });

  it('validates like the real server: a selector that does not match the template is 422 Invalid', async () => {
    const bad = deployment('mismatch', 'crud');
    bad.spec.template.metadata.labels = { app: 'other' };
    const status = await failure(objects.create(bad));
    expect(status.code).toBe(422);
    expect(status.reason).toBe('Invalid');
    expect(status.message).toContain('`selector` does not match template `labels`');
  });

  it('fills in defaults, so what comes back is what a cluster returns', async () => {
    const created = await apps.createNamespacedDeployment({
      namespace: 'crud',
      body: deployment('defaults', 'crud'),
    });
    expect(created.spec?.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
    });
    expect(created.spec?.progressDeadlineSeconds).toBe(600);
    expect(created.spec?.template.spec?.containers[0]?.imagePullPolicy).toBe('IfNotPresent');
  });

  it('names objects from generateName', async () => {
    const created = await core.createNamespacedSecret({
      namespace: 'crud',
      body: { metadata: { generateName: 'token-' }, stringData: { key: 'value' } },
    });
    expect(created.metadata?.name).toMatch(/^token-[a-z0-9]{5}$/);
    expect(created.data).toEqual({ key: Buffer.from('value').toString('base64') });
  });
});

describe('list', () => {
  beforeAll(async () => {
    await core.createNamespace({ body: { metadata: { name: 'listing' } } });
    const pods: { name: string; labels: Record<string, string> }[] = [
      { name: 'a', labels: { app: 'web', tier: 'front' } },
      { name: 'b', labels: { app: 'web', tier: 'back' } },
      { name: 'c', labels: { app: 'db' } },
    ];
    for (const p of pods) {
      await core.createNamespacedPod({
        namespace: 'listing',
        body: {
          metadata: { name: p.name, labels: p.labels },
          spec: { containers: [{ name: 'x', image: 'busybox:1' }] },
        },
      });
    }
  });

  const names = (list: { items: { metadata?: { name?: string } }[] }) =>
    list.items.map((i) => i.metadata?.name);

  it('filters by label selector, equality and set based', async () => {
    const list = (labelSelector: string) =>
      core.listNamespacedPod({ namespace: 'listing', labelSelector });
    expect(names(await list('app=web'))).toEqual(['a', 'b']);
    expect(names(await list('app=web,tier!=front'))).toEqual(['b']);
    expect(names(await list('tier'))).toEqual(['a', 'b']);
    expect(names(await list('!tier'))).toEqual(['c']);
    expect(names(await list('app in (db, cache)'))).toEqual(['c']);
  });

  it('filters by field selector on metadata.name', async () => {
    const list = await core.listNamespacedPod({
      namespace: 'listing',
      fieldSelector: 'metadata.name=b',
    });
    expect(names(list)).toEqual(['b']);
  });

  it('carries the store resourceVersion in list metadata and pages with limit/continue', async () => {
    const first = await core.listNamespacedPod({ namespace: 'listing', limit: 2 });
    expect(names(first)).toEqual(['a', 'b']);
    expect(Number(first.metadata?.resourceVersion)).toBeGreaterThan(0);
    const rest = await core.listNamespacedPod({
      namespace: 'listing',
      limit: 2,
      _continue: first.metadata?._continue,
    });
    expect(names(rest)).toEqual(['c']);
  });

  it('lists across namespaces', async () => {
    const all = await core.listPodForAllNamespaces();
    expect(names(all)).toEqual(expect.arrayContaining(['a', 'b', 'c']));
  });
});

describe('replace and patch', () => {
  it('refuses a replace with a stale resourceVersion (409 Conflict)', async () => {
    const created = await apps.createNamespacedDeployment({
      namespace: 'crud',
      body: deployment('replaced', 'crud'),
    });
    const fresh = await apps.replaceNamespacedDeployment({
      name: 'replaced',
      namespace: 'crud',
      body: {
        ...deployment('replaced', 'crud', 2),
        metadata: { ...created.metadata, name: 'replaced' },
      },
    });
    expect(fresh.spec?.replicas).toBe(2);
    expect(fresh.metadata?.generation).toBe(2);

    const stale = {
      ...deployment('replaced', 'crud', 3),
      metadata: { name: 'replaced', resourceVersion: created.metadata?.resourceVersion },
    };
    const status = await failure(
      apps.replaceNamespacedDeployment({ name: 'replaced', namespace: 'crud', body: stale }),
    );
    expect(status).toMatchObject({ code: 409, reason: 'Conflict' });
    expect(status.message).toContain('the object has been modified');
  });

  it('merge-patches, and bumps generation only for spec changes', async () => {
    const patch = (body: object) =>
      objects.patch<V1Deployment>(
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'replaced', namespace: 'crud' },
          ...body,
        },
        undefined,
        undefined,
        undefined,
        undefined,
        PatchStrategy.MergePatch,
      );
    const labelled = await patch({
      metadata: { name: 'replaced', namespace: 'crud', labels: { team: 'blue' } },
    });
    expect(labelled.metadata?.labels).toEqual({ app: 'replaced', team: 'blue' });
    expect(labelled.metadata?.generation).toBe(2);
    const scaled = await patch({ spec: { replicas: 5 } });
    expect(scaled.metadata?.generation).toBe(3);
  });

  it('keeps status out of main-resource writes and spec out of status writes', async () => {
    const status = await apps.replaceNamespacedDeploymentStatus({
      name: 'replaced',
      namespace: 'crud',
      body: {
        ...deployment('replaced', 'crud', 9),
        status: { replicas: 4, observedGeneration: 3 },
      },
    });
    expect(status.status?.replicas).toBe(4);
    expect(status.spec?.replicas).toBe(5);
    const main = await objects.patch(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'replaced', namespace: 'crud' },
        status: { replicas: 1 },
      },
      undefined,
      undefined,
      undefined,
      undefined,
      PatchStrategy.MergePatch,
    );
    expect(main.status).toMatchObject({ replicas: 4 });
  });

  it('scales through the /scale subresource', async () => {
    const scale = await apps.replaceNamespacedDeploymentScale({
      name: 'replaced',
      namespace: 'crud',
      body: { metadata: { name: 'replaced', namespace: 'crud' }, spec: { replicas: 7 } },
    });
    expect(scale.spec?.replicas).toBe(7);
    expect(
      (await apps.readNamespacedDeployment({ name: 'replaced', namespace: 'crud' })).spec?.replicas,
    ).toBe(7);
  });
});

describe('delete', () => {
  it('cascades to dependents named by ownerReferences', async () => {
    const owner = await core.createNamespacedConfigMap({
      namespace: 'crud',
      body: { metadata: { name: 'owner' } },
    });
    const ref = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'owner',
      uid: owner.metadata?.uid ?? '',
    };
    await core.createNamespacedSecret({
      namespace: 'crud',
      body: { metadata: { name: 'dependent', ownerReferences: [ref] } },
    });
    await core.createNamespacedSecret({
      namespace: 'crud',
      body: { metadata: { name: 'orphan', ownerReferences: [ref] } },
    });
    await core.patchNamespacedSecret({
      name: 'orphan',
      namespace: 'crud',
      body: [{ op: 'remove', path: '/metadata/ownerReferences' }],
    });

    await core.deleteNamespacedConfigMap({ name: 'owner', namespace: 'crud' });
    await eventually(async () => {
      const left = await core.listNamespacedSecret({
        namespace: 'crud',
        fieldSelector: 'metadata.name=dependent',
      });
      return left.items.length === 0 ? true : undefined;
    });
    expect(
      (await core.readNamespacedSecret({ name: 'orphan', namespace: 'crud' })).metadata?.name,
    ).toBe('orphan');
  });

  it('orphans dependents when asked to', async () => {
    const owner = await core.createNamespacedConfigMap({
      namespace: 'crud',
      body: { metadata: { name: 'owner2' } },
    });
    const ref = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'owner2',
      uid: owner.metadata?.uid ?? '',
    };
    await core.createNamespacedSecret({
      namespace: 'crud',
      body: { metadata: { name: 'kept', ownerReferences: [ref] } },
    });
    await core.deleteNamespacedConfigMap({
      name: 'owner2',
      namespace: 'crud',
      propagationPolicy: 'Orphan',
    });
    await new Promise((r) => setTimeout(r, 50));
    const kept = await core.readNamespacedSecret({ name: 'kept', namespace: 'crud' });
    expect(kept.metadata?.ownerReferences).toBeUndefined();
  });

  it('waits for finalizers before removing an object', async () => {
    await core.createNamespacedConfigMap({
      namespace: 'crud',
      body: { metadata: { name: 'held', finalizers: ['example.com/hold'] } },
    });
    await core.deleteNamespacedConfigMap({ name: 'held', namespace: 'crud' });
    const held = await core.readNamespacedConfigMap({ name: 'held', namespace: 'crud' });
    expect(held.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    await core.patchNamespacedConfigMap({
      name: 'held',
      namespace: 'crud',
      body: [{ op: 'remove', path: '/metadata/finalizers' }],
    });
    const status = await failure(core.readNamespacedConfigMap({ name: 'held', namespace: 'crud' }));
    expect(status.code).toBe(404);
  });

  it('deletes everything in a namespace with the namespace', async () => {
    await core.createNamespace({ body: { metadata: { name: 'doomed' } } });
    await core.createNamespacedConfigMap({
      namespace: 'doomed',
      body: { metadata: { name: 'inside' } },
    });
    const terminating = await core.deleteNamespace({ name: 'doomed' });
    expect((terminating as { status?: { phase?: string } }).status?.phase).toBe('Terminating');
    await eventually(async () => {
      try {
        await core.readNamespace({ name: 'doomed' });
        return undefined;
      } catch (e) {
        return statusOf(e).code === 404 ? true : undefined;
      }
    });
    const left = await core.listConfigMapForAllNamespaces({
      fieldSelector: 'metadata.namespace=doomed',
    });
    expect(left.items).toEqual([]);
  });

  it('refuses to delete the default namespace', async () => {
    const status = await failure(core.deleteNamespace({ name: 'default' }));
    expect(status).toMatchObject({ code: 403, reason: 'Forbidden' });
  });
});
