import os from 'node:os';
import path from 'node:path';
import { citizenRequest } from '../support/citizen.ts';
import { gov } from '../support/gov-cli.ts';
import {
  api,
  type PlatformProcess,
  repoRoot,
  startPlatformProcess,
} from '../support/platform-process.ts';
import { benchKubernetes } from './kubernetes.ts';
import { latencies, throughput } from './load.ts';
import { ms, percentile } from './stats.ts';
import { benchStorage, printStorage } from './storage.ts';

/**
 * `npm run bench`: what this machine does with the first slice. Figures, not
 * pass/fail: it prints them for the README. The platform runs as its own
 * process on loopback; load comes from this process.
 */
const DEPLOYS = Number(process.env.BENCH_DEPLOYS ?? 20);
const COLD_STARTS = Number(process.env.BENCH_COLD_STARTS ?? 10);
const LATENCY_REQUESTS = Number(process.env.BENCH_LATENCY_REQUESTS ?? 2000);
const THROUGHPUT_MS = Number(process.env.BENCH_THROUGHPUT_MS ?? 5000);
const K8S_DEPLOYS = Number(process.env.BENCH_K8S_DEPLOYS ?? 20);
const K8S_APPS = Number(process.env.BENCH_K8S_APPS ?? 100);
const template = path.join(repoRoot, 'templates/demarche');

async function withPlatform<T>(env: NodeJS.ProcessEnv, run: (p: PlatformProcess) => Promise<T>) {
  const platform = await startPlatformProcess(env);
  try {
    await api(platform, 'POST', '/v1/ministries', { name: 'demo', displayName: 'Démonstration' });
    return await run(platform);
  } finally {
    await platform.destroy();
  }
}

async function deploy(platform: PlatformProcess) {
  const started = performance.now();
  const result = await gov(['deploy', template, '--ministry', 'demo', '--json'], platform.cliEnv);
  if (result.code !== 0) throw new Error(`gov deploy failed: ${result.stderr}`);
  return {
    wallMs: performance.now() - started,
    ...(JSON.parse(result.stdout) as { deploymentId: string; url: string }),
  };
}

async function instanceOf(platform: PlatformProcess, deploymentId: string) {
  const [pid] = await platform.pidsOf(deploymentId);
  const [endpoint] = await platform.endpointsOf(deploymentId);
  if (pid === undefined || !endpoint) throw new Error(`no instance of ${deploymentId} runs`);
  return { pid, port: endpoint.port };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function benchDeploys() {
  return withPlatform({}, async (platform) => {
    const times: number[] = [];
    for (let i = 0; i < DEPLOYS; i++) times.push((await deploy(platform)).wallMs);
    return times;
  });
}

async function benchColdStarts() {
  const idleMs = 500;
  return withPlatform({ GOV_IDLE_TIMEOUT_MS: String(idleMs) }, async (platform) => {
    const { deploymentId, url } = await deploy(platform);
    const times: number[] = [];
    for (let i = 0; i < COLD_STARTS; i++) {
      // Wait for the scale to zero: no process left for the version.
      const [pid] = await platform.pidsOf(deploymentId);
      if (pid !== undefined) while (alive(pid)) await new Promise((r) => setTimeout(r, 50));
      while ((await platform.pidsOf(deploymentId)).length > 0) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const started = performance.now();
      const res = await citizenRequest(url);
      if (res.status !== 200) throw new Error(`cold start answered ${res.status}`);
      times.push(performance.now() - started);
      // Let the new process record itself before the next round waits on it.
      await new Promise((r) => setTimeout(r, 100));
    }
    return times;
  });
}

async function benchGateway() {
  return withPlatform({}, async (platform) => {
    const { deploymentId, url } = await deploy(platform);
    // Capacity, not the quota: an operator raises the per-minute limit for a busy service.
    await api(platform, 'PATCH', '/v1/ministries/demo/quota', {
      maxRequestsPerMinutePerApp: 10_000_000,
    });
    await new Promise((r) => setTimeout(r, 500)); // pushed to the gateway at once; a margin
    const { port } = await instanceOf(platform, deploymentId);
    const host = new URL(url).host;
    const gateway = { port: platform.gatewayPort, host };
    const direct = { port, host };
    const viaGateway = await latencies(gateway, LATENCY_REQUESTS, '/healthz');
    const viaDirect = await latencies(direct, LATENCY_REQUESTS, '/healthz');
    const tputGateway = await throughput(gateway, 50, THROUGHPUT_MS, '/healthz');
    const tputDirect = await throughput(direct, 50, THROUGHPUT_MS, '/healthz');
    return { viaGateway, viaDirect, tputGateway, tputDirect };
  });
}

async function main() {
  const date = new Date().toISOString().slice(0, 10);
  console.log(
    `Gov benchmark, ${date}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
  );

  const deploys = await benchDeploys();
  console.log(
    `deploy-to-live (gov deploy start → new version answers), ${DEPLOYS} deploys of templates/demarche:`,
  );
  console.log(`  p50 ${ms(percentile(deploys, 50))}  p95 ${ms(percentile(deploys, 95))}`);

  const cold = await benchColdStarts();
  console.log(
    `cold start (scaled to zero → first response through the gateway), ${COLD_STARTS} starts:`,
  );
  console.log(`  p50 ${ms(percentile(cold, 50))}  p95 ${ms(percentile(cold, 95))}`);

  const g = await benchGateway();
  const added50 = percentile(g.viaGateway, 50) - percentile(g.viaDirect, 50);
  const added99 = percentile(g.viaGateway, 99) - percentile(g.viaDirect, 99);
  console.log(`latency at concurrency 1, ${LATENCY_REQUESTS} GET /healthz:`);
  console.log(
    `  direct workerd  p50 ${ms(percentile(g.viaDirect, 50))}  p99 ${ms(percentile(g.viaDirect, 99))}`,
  );
  console.log(
    `  via gateway     p50 ${ms(percentile(g.viaGateway, 50))}  p99 ${ms(percentile(g.viaGateway, 99))}`,
  );
  console.log(`  added by the gateway: p50 ${ms(added50)}  p99 ${ms(added99)}`);
  console.log(`throughput at concurrency 50, ${THROUGHPUT_MS / 1000} s each:`);
  console.log(
    `  direct workerd  ${g.tputDirect.requestsPerSecond.toFixed(0)} req/s (${g.tputDirect.errors} errors)`,
  );
  console.log(
    `  via gateway     ${g.tputGateway.requestsPerSecond.toFixed(0)} req/s (${g.tputGateway.errors} errors)`,
  );
}

async function kubernetesSection() {
  const k = await benchKubernetes({ deploys: K8S_DEPLOYS, apps: K8S_APPS });
  console.log(
    `Kubernetes driver against the API server double, ${K8S_DEPLOYS} deploys, then a resync of ${k.resync.apps} apps:`,
  );
  console.log(
    `  upload → every manifest applied: p50 ${ms(k.appliedP50)}  p95 ${ms(k.appliedP95)}`,
  );
  console.log(
    `  API calls per deploy (p50): ${k.writesPerDeploy} writes, ${k.readsPerDeploy} reads (watches not counted)`,
  );
  console.log(
    `  resync of ${k.resync.apps} apps: ${k.resync.writes} writes, ${k.resync.reads} reads, ${ms(k.resync.ms)}`,
  );
}

main()
  .then(async () => printStorage(await benchStorage()))
  .then(kubernetesSection)
  .catch((error: Error) => {
    console.error(error.stack);
    process.exit(1);
  });
