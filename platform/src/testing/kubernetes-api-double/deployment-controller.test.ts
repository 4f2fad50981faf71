import {
  AppsV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  type V1Deployment,
  type V1Pod,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kubeConfigFor } from './clients.ts';
import { type KubernetesApiDouble, startKubernetesApiDouble } from './start.ts';

let double: KubernetesApiDouble;
let apps: AppsV1Api;
let core: CoreV1Api;
let discovery: DiscoveryV1Api;
const namespace = 'rollouts';

beforeAll(async () => {
  double = await startKubernetesApiDouble({
    podReadyDelayMs: 30,
    crashLoopRestartIntervalMs: 50,
    // The image names the fate, as a test of a driver would arrange it.
    podBehaviour: (pod) => {
      const image = String((pod.spec as { containers: { image: string }[] }).containers[0]?.image);
      if (image.includes('crash')) return 'crash_loop';
      if (image.includes('missing')) return 'image_pull';
      if (image.includes('hungry')) return 'oom_killed';
      return 'ready';
    },
  });
  const kc = kubeConfigFor(double);
  apps = kc.makeApiClient(AppsV1Api);
  core = kc.makeApiClient(CoreV1Api);
  discovery = kc.makeApiClient(DiscoveryV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
});
afterAll(() => double.close());

function deployment(
  name: string,
  image: string,
  replicas: number,
  progressDeadlineSeconds?: number,
): V1Deployment {
  return {
    metadata: { name },
    spec: {
      replicas,
      ...(progressDeadlineSeconds ? { progressDeadlineSeconds } : {}),
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{ name: 'app', image, ports: [{ name: 'http', containerPort: 8080 }] }],
        },
      },
    },
  };
}

const read = (name: string) => apps.readNamespacedDeployment({ name, namespace });
const podsOf = async (name: string) =>
  (await core.listNamespacedPod({ namespace, labelSelector: `app=${name}` })).items;
const condition = (d: V1Deployment, type: string) =>
  d.status?.conditions?.find((c) => c.type === type);

async function until(name: string, check: (d: V1Deployment) => boolean, timeoutMs = 5000) {
  return eventually(async () => {
    const d = await read(name);
    return check(d) ? d : undefined;
  }, timeoutMs);
}

function firstContainer(pod: V1Pod) {
  return pod.status?.containerStatuses?.[0];
}

describe('deployment controller', () => {
  it('creates owned pods, marks them ready and reports a complete rollout', async () => {
    await apps.createNamespacedDeployment({ namespace, body: deployment('web', 'web:1', 2) });
    const done = await until(
      'web',
      (d) => condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable',
    );
    expect(done.status).toMatchObject({
      observedGeneration: 1,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
    });
    expect(condition(done, 'Available')).toMatchObject({
      status: 'True',
      reason: 'MinimumReplicasAvailable',
    });

    const pods = await podsOf('web');
    expect(pods).toHaveLength(2);
    for (const pod of pods) {
      expect(pod.metadata?.ownerReferences).toEqual([
        expect.objectContaining({
          kind: 'Deployment',
          name: 'web',
          uid: done.metadata?.uid,
          controller: true,
        }),
      ]);
      expect(pod.status?.phase).toBe('Running');
      expect(pod.status?.podIP).toMatch(/^10\.244\./);
      expect(firstContainer(pod)).toMatchObject({ ready: true, restartCount: 0 });
    }
  });

  it('rolls a new template out and retires the old pods', async () => {
    const before = new Set((await podsOf('web')).map((p) => p.metadata?.name));
    await apps.replaceNamespacedDeployment({
      name: 'web',
      namespace,
      body: deployment('web', 'web:2', 2),
    });
    const done = await until(
      'web',
      (d) =>
        d.status?.observedGeneration === 2 &&
        condition(d, 'Progressing')?.reason === 'NewReplicaSetAvailable' &&
        d.status.replicas === 2,
    );
    expect(done.status?.updatedReplicas).toBe(2);
    const pods = await eventually(async () => {
      const now = await podsOf('web');
      return now.length === 2 ? now : undefined;
    });
    expect(pods.every((p) => !before.has(p.metadata?.name))).toBe(true);
    expect(pods.every((p) => p.spec?.containers[0]?.image === 'web:2')).toBe(true);
  });

  it('keeps EndpointSlices of a Service in step with ready pods', async () => {
    await core.createNamespacedService({
      namespace,
      body: {
        metadata: { name: 'web' },
        spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
      },
    });
    const slice = await eventually(async () => {
      const slices = await discovery.listNamespacedEndpointSlice({
        namespace,
        labelSelector: 'kubernetes.io/service-name=web',
      });
      const found = slices.items[0];
      return found && found.endpoints.filter((e) => e.conditions?.ready).length === 2
        ? found
        : undefined;
    });
    expect(slice.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(slice.endpoints.map((e) => e.targetRef?.kind)).toEqual(['Pod', 'Pod']);
  });

  it('reports CrashLoopBackOff with climbing restarts and ends the rollout at the progress deadline', async () => {
    await apps.createNamespacedDeployment({
      namespace,
      body: deployment('crasher', 'crash:1', 1, 1),
    });
    const timedOut = await until(
      'crasher',
      (d) => condition(d, 'Progressing')?.reason === 'ProgressDeadlineExceeded',
      8000,
    );
    expect(condition(timedOut, 'Progressing')?.status).toBe('False');
    expect(condition(timedOut, 'Available')).toMatchObject({
      status: 'False',
      reason: 'MinimumReplicasUnavailable',
    });

    const pod = await eventually(async () => {
      const [p] = await podsOf('crasher');
      return p && (firstContainer(p)?.restartCount ?? 0) >= 2 ? p : undefined;
    });
    expect(firstContainer(pod)?.state?.waiting?.reason).toBe('CrashLoopBackOff');
    expect(firstContainer(pod)?.lastState?.terminated?.reason).toBe('Error');
    expect(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
  });

  it('reports ImagePullBackOff for an image that cannot be pulled', async () => {
    await apps.createNamespacedDeployment({
      namespace,
      body: deployment('unpulled', 'missing:1', 1),
    });
    const pod = await eventually(async () => {
      const [p] = await podsOf('unpulled');
      return p?.status?.containerStatuses
        ? firstContainer(p)?.state?.waiting?.reason === 'ImagePullBackOff'
          ? p
          : undefined
        : undefined;
    });
    expect(pod.status?.phase).toBe('Pending');
  });

  it('reports OOMKilled as the last state of a restarting container', async () => {
    await apps.createNamespacedDeployment({ namespace, body: deployment('hungry', 'hungry:1', 1) });
    const pod = await eventually(async () => {
      const [p] = await podsOf('hungry');
      return p && firstContainer(p)?.lastState?.terminated ? p : undefined;
    });
    expect(firstContainer(pod)?.lastState?.terminated).toMatchObject({
      reason: 'OOMKilled',
      exitCode: 137,
    });
  });

  it('keeps the old pods serving while a new version crash-loops', async () => {
    await apps.createNamespacedDeployment({ namespace, body: deployment('safe', 'safe:1', 2) });
    await until('safe', (d) => d.status?.availableReplicas === 2);
    await apps.replaceNamespacedDeployment({
      name: 'safe',
      namespace,
      body: deployment('safe', 'crash:2', 2),
    });
    await until(
      'safe',
      (d) => d.status?.observedGeneration === 2 && (d.status.updatedReplicas ?? 0) >= 1,
    );
    await new Promise((r) => setTimeout(r, 200));
    const pods = await podsOf('safe');
    const old = pods.filter((p) => p.spec?.containers[0]?.image === 'safe:1');
    expect(old.length).toBeGreaterThanOrEqual(2);
    expect((await read('safe')).status?.availableReplicas).toBe(2);
  });

  it('lets the behaviour hook change what happens to new pods', async () => {
    double.setPodBehaviour(() => 'image_pull');
    await apps.createNamespacedDeployment({ namespace, body: deployment('hooked', 'fine:1', 1) });
    await eventually(async () => {
      const [p] = await podsOf('hooked');
      return firstContainer(p ?? {})?.state?.waiting?.reason === 'ImagePullBackOff'
        ? true
        : undefined;
    });
  });

  it('deletes the pods with their deployment', async () => {
    await apps.deleteNamespacedDeployment({ name: 'web', namespace });
    await eventually(async () => ((await podsOf('web')).length === 0 ? true : undefined));
  });
});
