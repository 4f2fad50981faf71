import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningControlPlane } from '../../control-plane.ts';
import { apiCaller, settledVersion } from '../../testing/api-caller.ts';
import { bundleOf } from '../../testing/api-harness.ts';
import {
  type KubernetesApiDouble,
  kubeConfigFor,
  startKubernetesApiDouble,
} from '../../testing/kubernetes-api-double/index.ts';
import {
  type KubernetesPlatform,
  startKubernetesPlatform,
} from '../../testing/kubernetes-platform.ts';

/**
 * The control plane as production runs it with GOV_DRIVER=kubernetes, its
 * kubeconfig pointing at the Kubernetes API server DOUBLE: deploys, rapid
 * deploys, a crash-looping version and an app deletion, end to end through
 * the API, the reconciler and the driver. (Pods are the double's: the
 * gateway cannot reach them, so citizens are not part of this test.)
 */
let double: KubernetesApiDouble;
let controlPlane: RunningControlPlane;
let dataDir = '';
let token = '';
let platform: KubernetesPlatform | undefined;

beforeAll(async () => {
  double = await startKubernetesApiDouble({
    podReadyDelayMs: 30,
    crashLoopRestartIntervalMs: 60,
    // A test flag in the version's compatibility flags marks a version whose pods crash.
    podBehaviour: (pod) => {
      const env = (
        pod.spec as { containers: Array<{ env?: Array<{ name: string; value?: string }> }> }
      ).containers[0]?.env;
      const flags = env?.find((e) => e.name === 'GOV_COMPATIBILITY_FLAGS')?.value ?? '';
      return flags.includes('gov_test_crash') ? 'crash_loop' : 'ready';
    },
  });
  dataDir = await mkdtemp(path.join(tmpdir(), 'gov-k8s-'));
  platform = await startKubernetesPlatform({
    double,
    dataDir,
    env: { GOV_ROLLOUT_DEADLINE_SECONDS: '30' },
  });
  ({ controlPlane, token } = platform);
}, 60_000);

afterAll(async () => {
  await platform?.stop();
  await double?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const call = apiCaller(
  () => controlPlane.apiUrl,
  () => token,
);
const settled = (version: number) => settledVersion(call, 'sante', 'rendez-vous', version, 300);

const deploy = async (text: string, flags: string[] = []) =>
  (
    await call(
      'POST',
      '/v1/ministries/sante/apps/rendez-vous/deployments',
      bundleOf(`export default { fetch() { return new Response('${text}'); } };`, {
        compatibilityFlags: flags,
      }),
    )
  ).json.version as number;

describe('the control plane on Kubernetes (API server double)', () => {
  const kc = () => kubeConfigFor(double);

  it('puts a version live as a Deployment in the ministry’s namespace', async () => {
    await call('POST', '/v1/ministries', { name: 'sante', displayName: 'Santé' });
    await call('POST', '/v1/ministries/sante/apps', { name: 'rendez-vous' });
    const v1 = await settled(await deploy('un'));
    expect(v1).toMatchObject({ status: 'ready', live: true, instances: { desired: 1, ready: 1 } });
    const deployments = await kc()
      .makeApiClient(AppsV1Api)
      .listNamespacedDeployment({ namespace: 'gov-sante' });
    expect(deployments.items.map((d) => d.metadata?.name)).toEqual(['rendez-vous-v1']);
    const ready = await fetch(`${controlPlane.apiUrl}/readyz`).then((r) => r.json());
    expect(ready).toMatchObject({ runtime: { driver: 'kubernetes', limits: 'kubernetes' } });
  });

  it('keeps the live version when a new one crash-loops, with the reason from the pods', async () => {
    const bad = await settled(await deploy('deux', ['gov_test_crash']));
    expect(bad.status).toBe('failed');
    expect(bad.conditions.find((c: { type: string }) => c.type === 'Failed')).toMatchObject({
      reason: 'crash_loop',
    });
    expect((await call('GET', '/v1/ministries/sante/apps/rendez-vous')).json.liveVersion).toBe(1);
  });

  it('supersedes rapid deploys and prunes what does not serve', async () => {
    const versions = [await deploy('trois'), await deploy('quatre'), await deploy('cinq')];
    const last = await settled(versions[2] as number);
    expect(last).toMatchObject({ status: 'ready', live: true });
    const apps = kc().makeApiClient(AppsV1Api);
    await expect
      .poll(
        async () =>
          (await apps.listNamespacedDeployment({ namespace: 'gov-sante' })).items.map(
            (d) => d.metadata?.name,
          ),
        { timeout: 10_000 },
      )
      .toEqual([`rendez-vous-v${versions[2]}`]);
  });

  it('removes everything of a deleted app from the cluster', async () => {
    const id = (await call('GET', '/v1/ministries/sante/apps/rendez-vous')).json.id;
    expect((await call('DELETE', '/v1/ministries/sante/apps/rendez-vous')).status).toBe(204);
    const core = kc().makeApiClient(CoreV1Api);
    const apps = kc().makeApiClient(AppsV1Api);
    const selector = `gov.ml/app-id=${id}`;
    await expect
      .poll(
        async () =>
          [
            ...(
              await apps.listNamespacedDeployment({
                namespace: 'gov-sante',
                labelSelector: selector,
              })
            ).items,
            ...(
              await core.listNamespacedService({ namespace: 'gov-sante', labelSelector: selector })
            ).items,
            ...(
              await core.listNamespacedConfigMap({
                namespace: 'gov-sante',
                labelSelector: selector,
              })
            ).items,
            ...(
              await core.listNamespacedSecret({ namespace: 'gov-sante', labelSelector: selector })
            ).items,
          ].length,
        { timeout: 10_000 },
      )
      .toBe(0);
  });
});
