import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleSchema, canonicalArtifact, sha256Hex } from '@gov/contract';
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningControlPlane } from '../../control-plane.ts';
import { artifacts } from '../../db/schema/index.ts';
import type { RunningGateway } from '../../gateway/start-gateway.ts';
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
import { fetchVia } from '../../testing/platform-harness.ts';
import {
  type RuntimeEntrypointPods,
  runtimeEntrypointPods,
} from '../../testing/runtime-pods/entrypoint-pods.ts';

/**
 * Citizens reach an app deployed with GOV_DRIVER=kubernetes. The cluster is
 * the Kubernetes API server DOUBLE, but its pods really run: each is the
 * runtime image's entrypoint (fetch the artifact with the capability from
 * the pod's Secret, verify its digest, become workerd) at its own loopback
 * address. The control plane and the gateway are the real ones, wired as
 * bin/start.ts and bin/gateway.ts wire them; the gateway finds the pods
 * through the driver's EndpointSlices. No container isolation: see README.
 */
const HOST = 'rendez-vous.sante.localhost';
let pods: RuntimeEntrypointPods;
let double: KubernetesApiDouble;
let controlPlane: RunningControlPlane;
let gateway: RunningGateway;
let dataDir = '';
let token = '';
let platform: KubernetesPlatform | undefined;

beforeAll(async () => {
  pods = runtimeEntrypointPods();
  double = await startKubernetesApiDouble({
    podReadyDelayMs: 10,
    crashLoopRestartIntervalMs: 300,
    podRunner: pods.runner,
  });
  dataDir = await mkdtemp(path.join(tmpdir(), 'gov-k8s-citizens-'));
  platform = await startKubernetesPlatform({
    double,
    dataDir,
    gateway: true,
    env: { GOV_ROLLOUT_DEADLINE_SECONDS: '60' },
  });
  ({ controlPlane, token } = platform);
  gateway = platform.gateway as RunningGateway;
}, 60_000);

afterEach((context) => {
  // The pods' own words (the runtime's refusals, workerd's errors) say why a citizen failed.
  if (context.task.result?.state === 'fail') console.log(`pod output:\n${pods.output()}`);
});

afterAll(async () => {
  await platform?.stop();
  await double?.close();
  await pods?.stopAll();
  await rm(dataDir, { recursive: true, force: true });
});

const call = apiCaller(
  () => controlPlane.apiUrl,
  () => token,
);
const settled = (version: number) => settledVersion(call, 'sante', 'rendez-vous', version);

const appSaying = (text: string) =>
  bundleOf(`export default { fetch() { return new Response('${text}'); } };`);
/** The bytes the control plane stores for a bundle's code, as putArtifact makes them. */
const artifactOf = (bundle: ReturnType<typeof bundleOf>) =>
  canonicalArtifact(bundleSchema.parse(bundle));

async function deploy(bundle: ReturnType<typeof bundleOf>) {
  const res = await call('POST', '/v1/ministries/sante/apps/rendez-vous/deployments', bundle);
  expect(res.status).toBe(202);
  return res.json as { version: number; artifact: { sha256: string } };
}

const citizen = (agent: http.Agent | false = false) => fetchVia(gateway.port, HOST, '/', {}, agent);

/** A few citizens asking again and again, over keep-alive connections like browsers. */
function citizensAsking(concurrency = 3) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const bodies = new Map<string, number>();
  const failures: string[] = [];
  let asking = true;
  const one = async () => {
    while (asking) {
      try {
        const res = await citizen(agent);
        if (res.status === 200) bodies.set(res.body, (bodies.get(res.body) ?? 0) + 1);
        else failures.push(`HTTP ${res.status} from ${res.headers['x-gov-deployment'] ?? '-'}`);
      } catch (error) {
        failures.push((error as Error).message);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const all = Promise.all(Array.from({ length: concurrency }, one));
  return {
    bodies,
    failures,
    async stop() {
      asking = false;
      await all;
      agent.destroy();
    },
  };
}

/** The starts of a version's pods (Deployment `rendez-vous-v<version>`). */
const startsOf = (version: number) =>
  pods.started.filter((s) => s.pod.startsWith(`rendez-vous-v${version}-`));
const stillRunning = (version: number) => startsOf(version).flatMap((s) => pods.alive(s));

describe('citizens on Kubernetes (API server double, real runtime processes)', () => {
  it('reach a deployed app through the gateway, served by the runtime entrypoint', async () => {
    await call('POST', '/v1/ministries', { name: 'sante', displayName: 'Santé' });
    await call('POST', '/v1/ministries/sante/apps', { name: 'rendez-vous' });
    const v1 = await settled((await deploy(appSaying('un'))).version);
    expect(v1).toMatchObject({ status: 'ready', live: true });
    // Live for the API comes a moment before the gateway's route stream
    // carries it (gov deploy waits the same way): wait for the route, not a fixed time.
    await expect
      .poll(async () => (await citizen()).headers['x-gov-deployment'], { timeout: 10_000 })
      .toBe(v1.id);
    const answer = await citizen();
    expect(answer).toMatchObject({ status: 200, body: 'un' });
    // Served by a pod at its own loopback address, which fetched and verified the artifact.
    expect(startsOf(1)[0]?.podIp).toMatch(/^127\.77\./);
    expect(pods.output()).toMatch(/\[rendez-vous-v1-[^\]]+\] gov-runtime: starting/);
  });

  it('switches citizens to a new version without one failed request', async () => {
    const asking = citizensAsking();
    try {
      const v2 = await settled((await deploy(appSaying('deux'))).version);
      expect(v2).toMatchObject({ status: 'ready', live: true });
      await expect
        .poll(() => asking.bodies.get('deux') ?? 0, { timeout: 10_000 })
        .toBeGreaterThan(0);
      // Keep asking until the old version's processes are gone, and a little after.
      await expect.poll(() => stillRunning(1), { timeout: 15_000 }).toEqual([]);
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await asking.stop();
    }
    expect(asking.failures).toEqual([]);
    expect(asking.bodies.get('un')).toBeGreaterThan(0);
    expect((await citizen()).body).toBe('deux');
  });

  it('never serves a version whose stored artifact does not match its digest', async () => {
    const bundle = appSaying('trois');
    const sha256 = sha256Hex(artifactOf(bundle));
    // Someone with write access to the database puts other code under that digest first.
    const forged = artifactOf(appSaying('pirate'));
    await controlPlane.database.db
      .insert(artifacts)
      .values({ sha256, bundleBytes: forged.byteLength, content: forged });
    const asking = citizensAsking(2);
    let v3: Awaited<ReturnType<typeof settled>>;
    try {
      const created = await deploy(bundle);
      expect(created.artifact.sha256).toBe(sha256);
      v3 = await settled(created.version);
    } finally {
      await asking.stop();
    }
    expect(v3).toMatchObject({ status: 'failed', live: false });
    expect(v3.conditions.find((c: { type: string }) => c.type === 'Failed')).toMatchObject({
      reason: 'crash_loop',
      message: expect.stringContaining('last exit code 65'),
    });
    expect(pods.output()).toMatch(
      new RegExp(`\\[rendez-vous-v3-[^\\]]+\\] gov-runtime: artifact ${sha256} does not match`),
    );
    expect(asking.failures).toEqual([]);
    expect([...asking.bodies.keys()]).toEqual(['deux']);
    expect((await call('GET', '/v1/ministries/sante/apps/rendez-vous')).json.liveVersion).toBe(2);
    // The failed version is removed, and nothing of it keeps restarting.
    await expect.poll(() => stillRunning(3), { timeout: 15_000 }).toEqual([]);
  });

  it('stops every process of a deleted app', async () => {
    expect(stillRunning(2).length).toBeGreaterThan(0);
    expect((await call('DELETE', '/v1/ministries/sante/apps/rendez-vous')).status).toBe(204);
    const core = kubeConfigFor(double).makeApiClient(CoreV1Api);
    await expect
      .poll(async () => (await core.listNamespacedPod({ namespace: 'gov-sante' })).items.length, {
        timeout: 15_000,
      })
      .toBe(0);
    await expect.poll(() => stillRunning(2), { timeout: 15_000 }).toEqual([]);
    expect(pods.started.flatMap((s) => pods.alive(s))).toEqual([]);
    expect((await citizen()).status).toBe(404);
  });
});
