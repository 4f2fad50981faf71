import { describe, expect, it } from 'vitest';
import { newId } from '../../ids.ts';
import { startArtifactServer } from '../../testing/artifact-server.ts';
import {
  kubeConfigFor,
  startKubernetesApiDouble,
} from '../../testing/kubernetes-api-double/index.ts';
import { driverContract } from '../contract.ts';
import type { MinistrySpec, VersionSpec } from '../driver.ts';
import { KubernetesDriver } from './kubernetes-driver.ts';
import type { AppRouting } from './manifests/route.ts';

const platform = {
  namespace: 'gov-system',
  gatewayPodLabels: { 'app.kubernetes.io/component': 'gateway' },
  controlPlanePodLabels: { 'app.kubernetes.io/component': 'control-plane' },
  controlPlanePort: 7070,
};

const ministry: MinistrySpec = {
  ministryId: 'min_contract',
  ministry: 'contrat',
  quota: {
    maxApps: 20,
    maxMemoryMibPerApp: 256,
    maxInstancesPerApp: 2,
    maxKvBytes: 100 * 1024 * 1024,
  },
  egress: { allowedHosts: [] },
};

/**
 * The Kubernetes driver against the in-repo API server DOUBLE (no cluster
 * runs on these machines): the same contract suite as the local driver. The
 * double's simulated kubelet gives the pods of a version marked to fail a
 * crash loop, as a container that exits at start would.
 */
async function kubernetesHarness(routing?: AppRouting) {
  const failing = new Set<string>();
  const double = await startKubernetesApiDouble({
    podReadyDelayMs: 30,
    crashLoopRestartIntervalMs: 60,
    podBehaviour: (pod) =>
      failing.has(String(pod.metadata.labels?.['gov.ml/deployment-id'])) ? 'crash_loop' : 'ready',
  });
  const artifacts = await startArtifactServer();
  const driver = new KubernetesDriver({
    kubeConfig: kubeConfigFor(double),
    runtimeImage: 'registry.gov.ml/gov/runtime:test',
    platform,
    progressDeadlineSeconds: 30,
    ...(routing ? { routing } : {}),
  });
  let counter = 0;
  const spec = (failsAtStart: boolean, overrides: Partial<VersionSpec> = {}): VersionSpec => {
    counter += 1;
    const deploymentId = newId('deployment');
    if (failsAtStart) failing.add(deploymentId);
    return {
      deploymentId,
      appId: `app_${counter}`,
      ministryId: ministry.ministryId,
      ministry: ministry.ministry,
      app: `essai-${counter}`,
      version: counter,
      generation: `g${counter}`,
      artifact: artifacts.put(`export default { fetch() { return new Response('${counter}'); } };`),
      compatibilityDate: '2026-04-01',
      compatibilityFlags: [],
      vars: { LANGUE: 'fr' },
      secrets: null,
      bindings: [],
      instances: 1,
      memoryMib: 128,
      cpuMillicores: 500,
      egress: { allowedHosts: [] },
      healthPath: null,
      crons: [],
      services: [],
      durableObjects: [],
      servedBefore: false,
      ...overrides,
    };
  };
  return {
    double,
    driver,
    spec,
    async close() {
      await driver.close();
      await artifacts.close();
      await double.close();
    },
  };
}

driverContract('kubernetes (API server double)', async () => {
  const h = await kubernetesHarness();
  return {
    driver: h.driver,
    ministry,
    async spec(scenario, overrides) {
      return h.spec(scenario === 'fails_at_start', overrides);
    },
    close: () => h.close(),
  };
});

describe('kubernetes driver', () => {
  it('writes what the issue asks, readable back from the cluster', async () => {
    const h = await kubernetesHarness();
    try {
      await h.driver.applyMinistry(ministry);
      const spec = h.spec(false, { instances: 2 });
      await h.driver.apply(spec);
      const { AppsV1Api, CoreV1Api } = await import('@kubernetes/client-node');
      const kc = kubeConfigFor(h.double);
      const apps = kc.makeApiClient(AppsV1Api);
      const core = kc.makeApiClient(CoreV1Api);
      const ns = await core.readNamespace({ name: 'gov-contrat' });
      expect(ns.metadata?.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
      const d = await apps.readNamespacedDeployment({
        name: `${spec.app}-v${spec.version}`,
        namespace: 'gov-contrat',
      });
      const container = d.spec?.template.spec?.containers[0];
      expect(container?.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(container?.resources?.limits).toEqual({ cpu: '500m', memory: '256Mi' });
      expect(d.metadata?.managedFields?.map((m) => m.manager)).toContain('gov-platform');
      // More than one instance: a disruption budget; its Secret carries the artifact capability.
      const token = await core.readNamespacedSecret({
        name: `${spec.app}-v${spec.version}-token`,
        namespace: 'gov-contrat',
      });
      expect(token.metadata?.ownerReferences?.[0]?.kind).toBe('Deployment');
      const sa = await core.readNamespacedServiceAccount({
        name: 'gov-app',
        namespace: 'gov-contrat',
      });
      expect(sa.automountServiceAccountToken).toBe(false);
    } finally {
      await h.close();
    }
  });

  it('writes every field as the API names it, `from` and `default` too, which a typed client drops', async () => {
    // client-node names these `_from` and `_default`; a manifest written with the
    // API's names lost them in its serializer: the gateway-only ingress rule
    // became "from anywhere" and the LimitRange lost its default limits.
    const h = await kubernetesHarness();
    try {
      await h.driver.applyMinistry(ministry);
      const kc = kubeConfigFor(h.double);
      const raw = async (path: string) => {
        const options: RequestInit = {};
        await kc.applyToFetchOptions(options as never);
        const res = await fetch(`${kc.getCurrentCluster()?.server}${path}`, options);
        return res.json() as Promise<{ spec: Record<string, unknown> }>;
      };
      const gateway = await raw(
        '/apis/networking.k8s.io/v1/namespaces/gov-contrat/networkpolicies/gov-allow-gateway',
      );
      expect(gateway.spec.ingress).toEqual([
        {
          from: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gov-system' } },
              podSelector: { matchLabels: platform.gatewayPodLabels },
            },
          ],
          ports: [{ protocol: 'TCP', port: 8080 }],
        },
      ]);
      const limits = await raw('/api/v1/namespaces/gov-contrat/limitranges/gov-defaults');
      expect((limits.spec.limits as Array<Record<string, unknown>>)[0]).toMatchObject({
        type: 'Container',
        default: expect.objectContaining({ cpu: expect.any(String) }),
        defaultRequest: expect.objectContaining({ cpu: expect.any(String) }),
      });
    } finally {
      await h.close();
    }
  });

  it('gives an app’s Durable Objects to one version at a time, across a restart of the control plane', async () => {
    const h = await kubernetesHarness();
    try {
      await h.driver.applyMinistry(ministry);
      const objects = { durableObjects: [{ name: 'GUICHET', className: 'Guichet', sql: true }] };
      const app = { app: 'guichet', appId: 'app_guichet', ...objects };
      const v1 = h.spec(false, { ...app, version: 1 });
      const v2 = h.spec(false, { ...app, version: 2 });
      const { AppsV1Api } = await import('@kubernetes/client-node');
      const apps = kubeConfigFor(h.double).makeApiClient(AppsV1Api);
      const replicas = async () =>
        Object.fromEntries(
          (await apps.listNamespacedDeployment({ namespace: 'gov-contrat' })).items
            .filter((d) => d.metadata?.labels?.['gov.ml/app'] === 'guichet')
            .map((d) => [
              d.metadata?.name,
              `${d.spec?.replicas}/${d.metadata?.annotations?.['gov.ml/durable-objects']}`,
            ]),
        );
      await h.driver.apply(v1);
      await expect.poll(replicas).toEqual({ 'guichet-v1': '1/holding' });
      await h.driver.apply(v2);
      // Recorded at once: v2 waits, v1 goes down to no pod; never both with one.
      expect(await replicas()).toEqual({ 'guichet-v1': '0/released', 'guichet-v2': '0/waiting' });
      // The control plane stops before v1's pod is gone; the next one finds v2 waiting.
      await h.driver.close();
      const next = new KubernetesDriver({
        kubeConfig: kubeConfigFor(h.double),
        runtimeImage: 'registry.gov.ml/gov/runtime:test',
        platform,
      });
      try {
        await next.list();
        await expect
          .poll(replicas, { timeout: 5_000 })
          .toEqual({ 'guichet-v1': '0/released', 'guichet-v2': '1/holding' });
      } finally {
        await next.close();
      }
    } finally {
      await h.close();
    }
  });

  it('converges through 409s, 500s and dropped watches, leaving nothing duplicated or orphaned', async () => {
    const h = await kubernetesHarness();
    const { CoreV1Api, AppsV1Api } = await import('@kubernetes/client-node');
    const kc = kubeConfigFor(h.double);
    const core = kc.makeApiClient(CoreV1Api);
    const apps = kc.makeApiClient(AppsV1Api);
    try {
      await h.driver.applyMinistry(ministry);
      const events: string[] = [];
      h.driver.watch((e) => events.push(e.kind));
      const spec = h.spec(false);
      // The API server refuses the first writes: the driver tries again.
      h.double.failNext(2, { method: 'PATCH', status: 500 });
      h.double.failNext(1, { method: 'PATCH', status: 409 });
      await h.driver.apply(spec);
      // Mid-rollout, every watch is cut: the informers come back and the driver re-lists.
      h.double.dropWatches();
      const available = async () =>
        (await h.driver.list())
          .find((v) => v.deploymentId === spec.deploymentId)
          ?.conditions.find((c) => c.type === 'Available')?.status;
      await expect.poll(available, { timeout: 15_000 }).toBe(true);
      await expect.poll(() => events.includes('resync'), { timeout: 15_000 }).toBe(true);
      // Applying again (a resync) duplicates nothing.
      await h.driver.apply(spec);
      await h.driver.apply(spec);
      const selector = `gov.ml/deployment-id=${spec.deploymentId}`;
      const count = async () => ({
        deployments: (
          await apps.listNamespacedDeployment({ namespace: 'gov-contrat', labelSelector: selector })
        ).items.length,
        services: (
          await core.listNamespacedService({ namespace: 'gov-contrat', labelSelector: selector })
        ).items.length,
        secrets: (
          await core.listNamespacedSecret({ namespace: 'gov-contrat', labelSelector: selector })
        ).items.length,
        configMaps: (
          await core.listNamespacedConfigMap({ namespace: 'gov-contrat', labelSelector: selector })
        ).items.length,
      });
      expect(await count()).toEqual({ deployments: 1, services: 1, secrets: 1, configMaps: 1 });
      // Removed (through a 500 as well): everything it owned goes, and its app record too.
      h.double.failNext(1, { method: 'DELETE', status: 500 });
      await h.driver.remove(spec.deploymentId);
      await expect
        .poll(count, { timeout: 10_000 })
        .toEqual({ deployments: 0, services: 0, secrets: 0, configMaps: 0 });
      const records = await core.listNamespacedConfigMap({
        namespace: 'gov-contrat',
        labelSelector: `gov.ml/app-id=${spec.appId}`,
      });
      expect(records.items).toEqual([]);
    } finally {
      await h.close();
    }
  });

  it('publishes an app’s hostname as an Ingress to its live version when configured to', async () => {
    const h = await kubernetesHarness({
      kind: 'ingress',
      className: 'nginx',
      tlsSecretName: 'gov-tls',
    });
    try {
      await h.driver.applyMinistry(ministry);
      const v1 = h.spec(false);
      const v2 = { ...h.spec(false), app: v1.app, appId: v1.appId };
      await h.driver.apply(v1);
      await h.driver.apply(v2);
      const route = (live: VersionSpec | null) => ({
        ministry: ministry.ministry,
        ministryId: ministry.ministryId,
        app: v1.app,
        appId: v1.appId,
        host: `${v1.app}.contrat.services.gov.ml`,
        live: live ? { deploymentId: live.deploymentId, version: live.version } : null,
      });
      // biome-ignore lint/suspicious/noExplicitAny: the test reads the Ingress as raw JSON.
      const ingress = async (): Promise<any> =>
        (
          await fetch(
            `${h.double.url}/apis/networking.k8s.io/v1/namespaces/gov-contrat/ingresses/gov-route-${v1.app}`,
          )
        ).json();
      await h.driver.publishRoute(route(v1));
      const first = await ingress();
      expect(first.spec.rules[0]).toMatchObject({
        host: `${v1.app}.contrat.services.gov.ml`,
        http: { paths: [{ backend: { service: { name: `${v1.app}-v${v1.version}` } } }] },
      });
      expect(first.spec.tls[0].secretName).toBe('gov-tls');
      const calls = h.driver.apiCalls;
      await h.driver.publishRoute(route(v1));
      expect(h.driver.apiCalls).toBe(calls);
      await h.driver.publishRoute(route(v2));
      expect((await ingress()).spec.rules[0].http.paths[0].backend.service.name).toBe(
        `${v1.app}-v${v2.version}`,
      );
      await h.driver.publishRoute(route(null));
      expect((await ingress()).code).toBe(404);
    } finally {
      await h.close();
    }
  });
});
