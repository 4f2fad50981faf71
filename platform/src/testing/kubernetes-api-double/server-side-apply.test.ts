import { type KubernetesObject, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeConfigFor, statusOf } from './clients.ts';
import { type KubernetesApiDouble, startKubernetesApiDouble } from './start.ts';

let double: KubernetesApiDouble;
let objects: KubernetesObjectApi;

beforeAll(async () => {
  double = await startKubernetesApiDouble({ controllers: false });
  objects = KubernetesObjectApi.makeApiClient(kubeConfigFor(double));
});
afterAll(() => double.close());

interface DeploymentShape extends KubernetesObject {
  spec?: {
    replicas?: number;
    template?: { spec?: { containers?: { name: string; image?: string }[] } };
    [key: string]: unknown;
  };
}

function config(
  name: string,
  fields: {
    replicas?: number;
    labels?: Record<string, string>;
    containers?: { name: string; image: string }[];
  },
) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default', ...(fields.labels ? { labels: fields.labels } : {}) },
    spec: {
      ...(fields.replicas !== undefined ? { replicas: fields.replicas } : {}),
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: fields.containers ?? [{ name: 'app', image: 'nginx:1.27' }] },
      },
    },
  };
}

function apply(body: object, manager: string | undefined, force = false) {
  return objects.patch(
    body as DeploymentShape,
    undefined,
    undefined,
    manager,
    force,
    PatchStrategy.ServerSideApply,
  ) as Promise<DeploymentShape>;
}

function read(name: string) {
  return objects.read({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
  }) as Promise<DeploymentShape>;
}

function managers(object: KubernetesObject) {
  return (object.metadata?.managedFields ?? []).map((m) => ({
    manager: m.manager,
    operation: m.operation,
    fields: m.fieldsV1,
  }));
}

async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (e) {
    return statusOf(e);
  }
  throw new Error('expected the request to fail');
}

describe('server-side apply', () => {
  it('creates a missing object and records exactly the applied fields for the manager', async () => {
    const created = await apply(
      config('owned', { replicas: 2, labels: { app: 'owned' } }),
      'driver',
    );
    expect(created.spec?.replicas).toBe(2);
    expect(managers(created)).toEqual([
      {
        manager: 'driver',
        operation: 'Apply',
        fields: {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:replicas': {},
            'f:selector': { 'f:matchLabels': { 'f:app': {} } },
            'f:template': {
              'f:metadata': { 'f:labels': { 'f:app': {} } },
              'f:spec': {
                'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:image': {}, 'f:name': {} } },
              },
            },
          },
        },
      },
    ]);
  });

  it('treats re-applying the same configuration as a no-op (no new resourceVersion)', async () => {
    const before = await read('owned');
    const after = await apply(config('owned', { replicas: 2, labels: { app: 'owned' } }), 'driver');
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
  });

  it('refuses another manager setting an owned field to a different value (409 Conflict naming field and manager)', async () => {
    const status = await failure(apply(config('owned', { replicas: 5 }), 'autoscaler'));
    expect(status).toMatchObject({
      code: 409,
      reason: 'Conflict',
      message: 'Apply failed with 1 conflict: conflict with "driver": .spec.replicas',
    });
    expect(status.details?.causes).toEqual([
      { type: 'FieldManagerConflict', message: 'conflict with "driver"', field: '.spec.replicas' },
    ]);
    expect((await read('owned')).spec?.replicas).toBe(2);
  });

  it('lets another manager co-own a field it applies with the same value', async () => {
    const shared = await apply(config('owned', { replicas: 2 }), 'co-owner');
    const coOwner = managers(shared).find((m) => m.manager === 'co-owner');
    expect(coOwner?.fields).toMatchObject({ 'f:spec': { 'f:replicas': {} } });
    expect(managers(shared).find((m) => m.manager === 'driver')?.fields).toMatchObject({
      'f:spec': { 'f:replicas': {} },
    });
  });

  it('moves ownership to a manager that forces', async () => {
    const forced = await apply(config('owned', { replicas: 7 }), 'autoscaler', true);
    expect(forced.spec?.replicas).toBe(7);
    const owners = managers(forced).filter((m) =>
      JSON.stringify(m.fields).includes('"f:replicas"'),
    );
    expect(owners.map((m) => m.manager)).toEqual(['autoscaler']);
    // The former owner now applies without replicas, and no longer conflicts.
    const again = await apply(config('owned', { labels: { app: 'owned' } }), 'driver');
    expect(again.spec?.replicas).toBe(7);
  });

  it('removes fields a manager stops applying, unless another manager still owns them', async () => {
    await apply(
      config('pruned', { labels: { app: 'pruned', team: 'blue', tier: 'web' } }),
      'driver',
    );
    await apply(config('pruned', { labels: { tier: 'web' } }), 'other');
    const after = await apply(config('pruned', { labels: { app: 'pruned' } }), 'driver');
    expect(after.metadata?.labels).toEqual({ app: 'pruned', tier: 'web' });
  });

  it('merges keyed lists item by item: each manager keeps its own container', async () => {
    await apply(
      config('sidecars', { containers: [{ name: 'app', image: 'nginx:1.27' }] }),
      'driver',
    );
    const withSidecar = await apply(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'sidecars', namespace: 'default' },
        spec: { template: { spec: { containers: [{ name: 'proxy', image: 'envoy:1.30' }] } } },
      },
      'mesh',
    );
    expect(withSidecar.spec?.template?.spec?.containers?.map((c) => c.name)).toEqual([
      'app',
      'proxy',
    ]);
    const reapplied = await apply(
      config('sidecars', { containers: [{ name: 'app', image: 'nginx:1.28' }] }),
      'driver',
    );
    expect(reapplied.spec?.template?.spec?.containers).toMatchObject([
      { name: 'app', image: 'nginx:1.28' },
      { name: 'proxy', image: 'envoy:1.30' },
    ]);
  });

  it('conflicts with fields last written by an update (merge patch) and names that manager', async () => {
    await apply(config('patched', { replicas: 1 }), 'driver');
    await objects.patch(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'patched', namespace: 'default' },
        spec: { replicas: 3 },
      } as DeploymentShape,
      undefined,
      undefined,
      'kubectl-scale',
      undefined,
      PatchStrategy.MergePatch,
    );
    const status = await failure(apply(config('patched', { replicas: 1 }), 'driver'));
    expect(status.message).toBe(
      'Apply failed with 1 conflict: conflict with "kubectl-scale" using apps/v1: .spec.replicas',
    );
  });

  it('requires a field manager', async () => {
    const status = await failure(apply(config('nameless', {}), undefined));
    expect(status.code).toBe(422);
    expect(status.message).toContain('fieldManager: Required value');
  });

  it('does not let apply create where the namespace is missing', async () => {
    const body = { ...config('lost', {}), metadata: { name: 'lost', namespace: 'missing' } };
    const status = await failure(apply(body, 'driver'));
    expect(status).toMatchObject({ code: 404, message: 'namespaces "missing" not found' });
  });
});
