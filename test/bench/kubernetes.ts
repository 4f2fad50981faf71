import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../platform/src/config.ts';
import { startControlPlane } from '../../platform/src/control-plane.ts';
import { selectDriver } from '../../platform/src/drivers/select-driver.ts';
import { bundleOf } from '../../platform/src/testing/api-harness.ts';
import { startKubernetesApiDouble } from '../../platform/src/testing/kubernetes-api-double/index.ts';
import { percentile } from './stats.ts';

/**
 * The Kubernetes driver's cost, against the API server DOUBLE (no cluster
 * runs here): how long from a deploy's upload until every manifest of the
 * version is on the "cluster", and how many API calls a deploy and a resync
 * of 100 apps make. The control plane runs in this process, with PGlite.
 */
export async function benchKubernetes(options: { deploys: number; apps: number }) {
  const double = await startKubernetesApiDouble({ podReadyDelayMs: 10, controllerTickMs: 10 });
  const dataDir = await mkdtemp(path.join(tmpdir(), 'gov-bench-k8s-'));
  const previous = process.env.KUBECONFIG;
  process.env.KUBECONFIG = path.join(dataDir, 'kubeconfig');
  await writeFile(process.env.KUBECONFIG, double.kubeconfig);
  const config = loadConfig({
    GOV_DATA_DIR: dataDir,
    GOV_API_PORT: '0',
    GOV_DEV_IDP_PORT: '0',
    GOV_DRIVER: 'kubernetes',
    GOV_RUNTIME_IMAGE: 'registry.gov.ml/gov/runtime:bench',
    // The periodic resync is measured by hand below.
    GOV_RESYNC_INTERVAL_MS: '3600000',
  });
  const log = () => {};
  const cp = await startControlPlane(config, { driver: await selectDriver(config, log), log });
  const token = (await readFile(cp.bootstrapTokenFile, 'utf8')).trim();
  const call = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${cp.apiUrl}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    // biome-ignore lint/suspicious/noExplicitAny: the benchmark reads the API's JSON.
    return (await res.json().catch(() => undefined)) as any;
  };
  const onCluster = async (name: string) => {
    const kinds = [
      `/apis/apps/v1/namespaces/gov-banc/deployments/${name}`,
      `/api/v1/namespaces/gov-banc/services/${name}`,
      `/api/v1/namespaces/gov-banc/secrets/${name}-token`,
      `/api/v1/namespaces/gov-banc/configmaps/${name}-vars`,
      `/apis/autoscaling/v2/namespaces/gov-banc/horizontalpodautoscalers/${name}`,
    ];
    for (const k of kinds) if ((await fetch(`${double.url}${k}`)).status !== 200) return false;
    return true;
  };
  const live = async (app: string, version: number) => {
    for (;;) {
      const d = await call('GET', `/v1/ministries/banc/apps/${app}/deployments/${version}`);
      if (d?.live) return;
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  const writes = () => double.requests.filter((r) => !r.watch && r.method !== 'GET').length;
  const reads = () => double.requests.filter((r) => !r.watch && r.method === 'GET').length;
  try {
    await call('POST', '/v1/ministries', { name: 'banc', displayName: 'Banc d’essai' });
    await call('PATCH', '/v1/ministries/banc/quota', {
      maxApps: options.apps + 10,
      maxDeploymentsPerDay: options.apps + options.deploys + 10,
    });
    await call('POST', '/v1/ministries/banc/apps', { name: 'mesure' });
    const applied: number[] = [];
    const perDeploy: Array<{ writes: number; reads: number }> = [];
    for (let i = 1; i <= options.deploys; i++) {
      double.requests.length = 0;
      const started = performance.now();
      const created = await call(
        'POST',
        '/v1/ministries/banc/apps/mesure/deployments',
        bundleOf(`export default { fetch() { return new Response('${i}'); } };`),
      );
      while (!(await onCluster(`mesure-v${created.version}`))) {
        await new Promise((r) => setTimeout(r, 2));
      }
      applied.push(performance.now() - started);
      await live('mesure', created.version);
      // Let the old version's removal land, then count what this deploy cost.
      await new Promise((r) => setTimeout(r, 200));
      perDeploy.push({ writes: writes(), reads: reads() });
    }
    for (let i = 0; i < options.apps; i++) {
      await call('POST', '/v1/ministries/banc/apps', { name: `app-${i}` });
      const d = await call(
        'POST',
        `/v1/ministries/banc/apps/app-${i}/deployments`,
        bundleOf(`export default { fetch() { return new Response('${i}'); } };`),
      );
      await live(`app-${i}`, d.version);
    }
    double.requests.length = 0;
    const resyncStarted = performance.now();
    await cp.reconciler.reconcileAll();
    const resyncMs = performance.now() - resyncStarted;
    return {
      appliedP50: percentile(applied, 50),
      appliedP95: percentile(applied, 95),
      writesPerDeploy: percentile(
        perDeploy.map((p) => p.writes),
        50,
      ),
      readsPerDeploy: percentile(
        perDeploy.map((p) => p.reads),
        50,
      ),
      resync: { apps: options.apps + 1, writes: writes(), reads: reads(), ms: resyncMs },
    };
  } finally {
    await cp.stop();
    await double.close();
    await rm(dataDir, { recursive: true, force: true });
    if (previous === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = previous;
  }
}
