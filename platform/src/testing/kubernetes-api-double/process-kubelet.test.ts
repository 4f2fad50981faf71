import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { AppsV1Api, CoreV1Api, DiscoveryV1Api, type V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, kubeConfigFor } from './clients.ts';
import type { PodRunner } from './controllers/pod-runner.ts';
import { type KubernetesApiDouble, startKubernetesApiDouble } from './start.ts';

/**
 * With a pod runner, the double's kubelet runs pods as real processes at
 * their own loopback addresses: readiness comes from the probe, an exit is
 * a restart, a deleted pod's process is stopped. The runner here starts a
 * small Node HTTP server whose behaviour comes from the container's env.
 */
const server = `
const http = require('node:http');
const readyAt = Date.now() + Number(process.env.READY_AFTER_MS);
http.createServer((req, res) => {
  if (req.url === '/ready' && Date.now() < readyAt) { res.writeHead(503); return res.end(); }
  res.end(process.env.BODY);
}).listen(Number(process.env.PORT), process.env.HOST);
if (process.env.EXIT_AFTER_MS) setTimeout(() => process.exit(3), Number(process.env.EXIT_AFTER_MS));
`;

let double: KubernetesApiDouble;
let apps: AppsV1Api;
let core: CoreV1Api;
let discovery: DiscoveryV1Api;
const children = new Set<ChildProcess>();
const namespace = 'processes';

const runner: PodRunner = async (pod, { podIp }) => {
  const spec = pod.spec as { containers: { env?: { name: string; value?: string }[] }[] };
  const env = Object.fromEntries(
    (spec.containers[0]?.env ?? []).map((e) => [e.name, e.value ?? '']),
  );
  const child = spawn(process.execPath, ['-e', server], {
    env: { ...env, HOST: podIp, PORT: '8080' },
    stdio: 'ignore',
  });
  children.add(child);
  const exited = new Promise<number>((resolve) =>
    child.once('exit', (code) => {
      children.delete(child);
      resolve(code ?? 137);
    }),
  );
  return {
    exited,
    stop: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
};

beforeAll(async () => {
  double = await startKubernetesApiDouble({
    podReadyDelayMs: 10,
    crashLoopRestartIntervalMs: 100,
    podRunner: runner,
  });
  const kc = kubeConfigFor(double);
  apps = kc.makeApiClient(AppsV1Api);
  core = kc.makeApiClient(CoreV1Api);
  discovery = kc.makeApiClient(DiscoveryV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
});
afterAll(async () => {
  await double.close();
  for (const child of children) child.kill('SIGKILL');
});

function deployment(name: string, env: Record<string, string>): V1Deployment {
  return {
    metadata: { name },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name: 'app',
              image: `${name}:1`,
              env: Object.entries(env).map(([k, value]) => ({ name: k, value })),
              ports: [{ name: 'http', containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 2 },
            },
          ],
        },
      },
    },
  };
}

const podOf = async (name: string) =>
  (await core.listNamespacedPod({ namespace, labelSelector: `app=${name}` })).items[0];

function get(host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host, port: 8080, path: '/', agent: false }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c;
        });
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

describe('the kubelet with a pod runner', () => {
  it('gives each pod its own loopback address and marks it ready only once the probe answers', async () => {
    await apps.createNamespacedDeployment({
      namespace,
      body: deployment('web', { BODY: 'bonjour', READY_AFTER_MS: '1500' }),
    });
    await core.createNamespacedService({
      namespace,
      body: {
        metadata: { name: 'web' },
        spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] },
      },
    });
    const running = await eventually(async () => {
      const pod = await podOf('web');
      return pod?.status?.containerStatuses?.[0]?.state?.running ? pod : undefined;
    });
    const ip = running.status?.podIP ?? '';
    expect(ip).toMatch(/^127\.77\.\d+\.\d+$/);
    // Running, answering on its address, but its probe says not yet.
    await eventually(() => get(ip).catch(() => undefined));
    expect((await podOf('web'))?.status?.containerStatuses?.[0]?.ready).toBe(false);
    const ready = await eventually(async () => {
      const pod = await podOf('web');
      return pod?.status?.containerStatuses?.[0]?.ready ? pod : undefined;
    });
    expect(ready.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    const slices = await eventually(async () => {
      const list = await discovery.listNamespacedEndpointSlice({ namespace });
      const endpoint = list.items.flatMap((s) => s.endpoints ?? [])[0];
      return endpoint?.conditions?.ready ? list.items : undefined;
    });
    expect(slices[0]?.endpoints?.[0]?.addresses).toEqual([ip]);
    expect(slices[0]?.ports?.[0]?.port).toBe(8080);
    await expect(get(ip)).resolves.toBe('bonjour');
  });

  it('reports an exit as a restart with its code, and starts the process again', async () => {
    await apps.createNamespacedDeployment({
      namespace,
      body: deployment('flaky', { BODY: 'x', READY_AFTER_MS: '0', EXIT_AFTER_MS: '150' }),
    });
    const restarted = await eventually(async () => {
      const status = (await podOf('flaky'))?.status?.containerStatuses?.[0];
      return (status?.restartCount ?? 0) >= 2 ? status : undefined;
    });
    expect(restarted.lastState?.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    const waiting = await eventually(async () => {
      const status = (await podOf('flaky'))?.status?.containerStatuses?.[0];
      return status?.state?.waiting ? status : undefined;
    });
    expect(waiting.state?.waiting?.reason).toBe('CrashLoopBackOff');
  });

  it('stops the process of a deleted pod', async () => {
    const ip = (await podOf('web'))?.status?.podIP ?? '';
    await expect(get(ip)).resolves.toBe('bonjour');
    await apps.deleteNamespacedDeployment({ name: 'web', namespace });
    await eventually(() =>
      get(ip).then(
        () => undefined,
        () => true,
      ),
    );
    // The pod stays Terminating until its processes are gone, then goes (as a kubelet's does).
    await eventually(async () => ((await podOf('web')) === undefined ? true : undefined));
  });

  it('keeps a deleted pod Terminating while its process still runs', async () => {
    await apps.createNamespacedDeployment({
      namespace,
      body: deployment('lent', { BODY: 'lent', READY_AFTER_MS: '0' }),
    });
    const pod = await eventually(async () => {
      const p = await podOf('lent');
      return p?.status?.podIP ? p : undefined;
    });
    expect(pod.metadata?.finalizers).toContain('kubelet.gov.test/processes');
  });
});
