import os from 'node:os';
import { bundleOf } from '../../platform/src/testing/api-harness.ts';
import { openFuzzSession } from '../../platform/src/testing/fuzz/fuzz-run.ts';
import { api, type PlatformProcess, startPlatformProcess } from '../support/platform-process.ts';
import { auditTamper } from './audit-tamper.ts';
import { deployStorm } from './deploy-storm.ts';
import { growingApp, healthyUnderLoad, hostileApps } from './hostile-apps.ts';
import { restartUnderLoad } from './restart-under-load.ts';
import { twoControlPlanes } from './two-control-planes.ts';

/**
 * `npm run scorecard`: the fault scenarios the test suite asserts, run once
 * more to print their figures for the README. Each runs against the platform
 * as its own processes (`npm start`'s launcher) on loopback.
 */
const rows: string[][] = [];
const row = (scenario: string, result: string) => rows.push([scenario, result]);

async function withPlatform<T>(env: NodeJS.ProcessEnv, run: (p: PlatformProcess) => Promise<T>) {
  const platform = await startPlatformProcess(env);
  try {
    return await run(platform);
  } finally {
    await platform.destroy();
  }
}

await withPlatform({ GOV_IDLE_TIMEOUT_MS: '1500' }, async (p) => {
  await api(p, 'POST', '/v1/ministries', { name: 'charge', displayName: 'Charge' });
  await api(p, 'PATCH', '/v1/ministries/charge/quota', { maxRequestsPerMinutePerApp: 10_000_000 });
  for (const app of ['actif', 'dormant']) {
    await api(p, 'POST', '/v1/ministries/charge/apps', { name: app });
    await api(
      p,
      'POST',
      `/v1/ministries/charge/apps/${app}/deployments`,
      bundleOf(`export default { fetch() { return new Response('${app}'); } };`),
    );
  }
  for (let i = 0; i < 200; i++) {
    if ((await api(p, 'GET', '/v1/ministries/charge/apps/dormant')).json.liveVersion === 1) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const r = await restartUnderLoad(p);
  row(
    'control plane restarted (SIGTERM, then SIGKILL) under 4 concurrent citizens',
    `${r.failed} failed of ${r.requests} citizen requests (p99 ${r.p99Ms.toFixed(1)} ms); app processes kept: ${r.appPidsKept ? 'yes' : 'no'}; idle app stayed idle: ${r.idleAppStayedIdle ? 'yes' : 'no'}; ${r.restarts.join(', ')}`,
  );
});

await withPlatform({}, async (p) => {
  const r = await deployStorm(p, { deploys: 20, apps: 5 });
  row(
    `control plane killed (SIGKILL) after ${r.controlPlaneKilledAfterUploads} of ${r.deploys} concurrent \`gov deploy\` uploads`,
    `${r.live} printed a URL that serves, ${r.failedWithReason} ended with a reason (superseded by a newer deploy), ${r.unexplained} unexplained; ${r.lost} lost, ${r.duplicates} duplicate versions, ${r.strays} stray processes`,
  );
});

await withPlatform({}, async (p) => {
  for (const r of await hostileApps(p)) {
    row(
      `hostile app: ${r.attack}`,
      `${r.contained ? 'contained' : 'NOT contained'}; ${r.detail}; neighbour app of another ministry: ${r.neighbour.failed} failed of ${r.neighbour.requests} requests, p99 ${r.neighbour.p99Ms.toFixed(1)} ms`,
    );
  }
});

await withPlatform({}, async (p) => {
  const r = await growingApp(p);
  row(
    'an app keeping 4 MiB more at each request (32 MiB heap + 128 MiB runtime) while citizens use it',
    `replaced gracefully near its limit: ${r.recycled} time(s), killed at its limit: ${r.memoryKills}; held ${r.heldBefore} blocks before, ${r.heldAfter} after; ${r.failed} failed of ${r.requests} requests (p99 ${r.p99Ms.toFixed(1)} ms)`,
  );
});

await withPlatform({}, async (p) => {
  const r = await healthyUnderLoad(p, { seconds: 60, concurrency: 20 });
  row(
    `healthy app under steady load for ${r.seconds} s at concurrency 20 (memory limit 128 MiB heap + 128 MiB runtime)`,
    `${r.failed} failed of ${r.requests} requests (p99 ${r.p99Ms.toFixed(1)} ms); killed for memory: ${r.memoryKills}; replaced gracefully near its limit: ${r.recycled}`,
  );
});

{
  const fuzz = await openFuzzSession();
  try {
    const seed = 0x5eed_2026;
    const r = await fuzz.run({ seed, requests: 10_000 });
    const clientErrors = [...r.statuses].filter(([s]) => s >= 400 && s < 500);
    row(
      `seeded fuzz of every API route (seed ${seed}, in-process, the route list as its grammar)`,
      `${r.requests} requests, ${r.serverErrors.length} answered 5xx, ${r.badEnvelopes.length} 4xx outside the error envelope; ${clientErrors.reduce((n, [, c]) => n + c, 0)} refused with a 4xx, ${r.statuses.get(200) ?? 0} answered 200`,
    );
  } finally {
    await fuzz.close();
  }
}

if (process.env.DATABASE_URL) {
  await withPlatform({}, async (p) => {
    for (const r of await auditTamper(p)) {
      row(
        `audit log tampered with by the database owner: ${r.tampering}`,
        `chain of hashes alone: ${r.chainAloneOk ? 'intact (blind to it)' : 'broken'}; server check: ${r.server.ok ? 'NOT caught' : `caught (${r.server.reason} at record ${r.server.brokenAt})`}; \`gov audit verify\`: exit ${r.cli.code}`,
      );
    }
  });
  await withPlatform({}, async (p) => {
    const r = await twoControlPlanes(p, { durationMs: 60_000 });
    row(
      'two control planes on one PostgreSQL database, 60 s of deploys, leader killed halfway',
      `${r.deploys} deploys, ${r.flaps} flaps; a deploy was live ${Math.round(r.takeoverMs)} ms after the leader died; newest versions live at the end: ${r.newestLive ? 'yes' : 'no'}`,
    );
  });
} else {
  row(
    'audit log tampered with by the database owner',
    'not run: needs PostgreSQL (set DATABASE_URL)',
  );
  row('two control planes on one database', 'not run: needs PostgreSQL (set DATABASE_URL)');
}

const cpus = os.cpus();
process.stdout.write(
  `\nFault scorecard (${new Date().toISOString().slice(0, 10)}, ${cpus.length} cores, Node ${process.versions.node}, ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})\n\n`,
);
process.stdout.write('| scenario | result |\n|---|---|\n');
for (const [scenario, result] of rows) process.stdout.write(`| ${scenario} | ${result} |\n`);
