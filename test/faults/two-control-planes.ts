import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { pickFreePort } from '../../platform/src/net/free-port.ts';
import { bundleOf } from '../../platform/src/testing/api-harness.ts';
import { type PlatformProcess, repoRoot } from '../support/platform-process.ts';

export interface TwoControlPlanesResult {
  durationMs: number;
  deploys: number;
  /** A version seen stopped and later live again, or an app's live version going backwards. */
  flaps: number;
  flapDetails: string[];
  /** The leader was killed halfway; how long until a deploy went live again. */
  takeoverMs: number;
  /** Every app ends up serving its newest version. */
  newestLive: boolean;
}

const APPS = ['alpha', 'beta', 'gamma'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function call(
  apiUrl: string,
  token: string,
  method: string,
  pathname: string,
  body?: unknown,
) {
  const res = await fetch(`${apiUrl}${pathname}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  // biome-ignore lint/suspicious/noExplicitAny: scenario code reads arbitrary JSON.
  return { status: res.status, json: (await res.json().catch(() => undefined)) as any };
}

/**
 * A second control plane on the same PostgreSQL database (and the same
 * machine's agent), deploys through both for `durationMs`, the leader killed
 * outright halfway. Only one reconciles at a time, so no version may flap.
 */
export async function twoControlPlanes(
  platform: PlatformProcess,
  options: { durationMs?: number } = {},
): Promise<TwoControlPlanesResult> {
  const durationMs = options.durationMs ?? 60_000;
  const second = await startSecondControlPlane(platform, platform.databaseUrl);
  const apis = [platform.apiUrl, second.apiUrl];
  const token = platform.token;
  try {
    await call(platform.apiUrl, token, 'POST', '/v1/ministries', {
      name: 'duo',
      displayName: 'Duo',
    });
    for (const app of APPS)
      await call(platform.apiUrl, token, 'POST', '/v1/ministries/duo/apps', { name: app });

    const flapDetails: string[] = [];
    const maxLive = new Map<string, number>();
    const stoppedSeen = new Set<string>();
    let deploys = 0;
    let running = true;
    const monitor = (async () => {
      let turn = 0;
      while (running) {
        for (const app of APPS) {
          const api = apis[turn++ % apis.length] as string;
          const res = await call(
            api,
            token,
            'GET',
            `/v1/ministries/duo/apps/${app}/deployments`,
          ).catch(() => undefined);
          for (const d of (res?.json?.deployments ?? []) as Array<{
            version: number;
            status: string;
            live: boolean;
          }>) {
            const key = `${app} v${d.version}`;
            if (d.status === 'stopped') stoppedSeen.add(key);
            if ((d.live || d.status === 'ready') && stoppedSeen.has(key)) {
              flapDetails.push(`${key} was stopped, then ${d.live ? 'live' : 'ready'} again`);
            }
            if (d.live) {
              if (d.version < (maxLive.get(app) ?? 0)) {
                flapDetails.push(
                  `${app}: live went back from v${maxLive.get(app)} to v${d.version}`,
                );
              }
              maxLive.set(app, Math.max(d.version, maxLive.get(app) ?? 0));
            }
          }
        }
        await sleep(100);
      }
    })();

    const started = Date.now();
    let killedAt = 0;
    let takeoverMs = Number.NaN;
    let n = 0;
    while (Date.now() - started < durationMs) {
      if (!killedAt && Date.now() - started > durationMs / 2) {
        // The first control plane led from the start: kill it; the launcher starts it again.
        process.kill((await platform.processes()).controlPlane, 'SIGKILL');
        killedAt = Date.now();
      }
      const app = APPS[n % APPS.length] as string;
      n += 1;
      for (const api of n % 2 === 0 ? apis : [...apis].reverse()) {
        const res = await call(
          api,
          token,
          'POST',
          `/v1/ministries/duo/apps/${app}/deployments`,
          bundleOf(`export default { fetch() { return new Response('${app} ${n}'); } };`),
        ).catch(() => undefined);
        if (res?.status === 202) {
          deploys += 1;
          if (killedAt && Number.isNaN(takeoverMs)) {
            // How long after the kill a deploy goes live again.
            const version = res.json.version as number;
            for (let i = 0; i < 300; i++) {
              const d = await call(
                second.apiUrl,
                token,
                'GET',
                `/v1/ministries/duo/apps/${app}/deployments/${version}`,
              ).catch(() => undefined);
              if (d?.json?.live || d?.json?.status === 'superseded') break;
              await sleep(100);
            }
            takeoverMs = Date.now() - killedAt;
          }
          break;
        }
      }
      await sleep(700);
    }

    // Everything settles: each app's newest version is live.
    let newestLive = false;
    for (let i = 0; i < 300 && !newestLive; i++) {
      newestLive = true;
      for (const app of APPS) {
        const res = await call(second.apiUrl, token, 'GET', `/v1/ministries/duo/apps/${app}`);
        if (res.json.liveVersion !== res.json.desiredVersion) newestLive = false;
      }
      if (!newestLive) await sleep(100);
    }
    running = false;
    await monitor;
    return {
      durationMs,
      deploys,
      flaps: flapDetails.length,
      flapDetails: flapDetails.slice(0, 10),
      takeoverMs,
      newestLive,
    };
  } finally {
    await second.stop();
  }
}

/** Another control-plane process, as a second replica would run, on the same data. */
async function startSecondControlPlane(platform: PlatformProcess, databaseUrl: string | undefined) {
  const [apiPort, idpPort] = [await pickFreePort(), await pickFreePort()];
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(repoRoot, 'platform/src/bin/control-plane.ts')],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
        GOV_DATA_DIR: platform.dataDir,
        GOV_API_PORT: String(apiPort),
        GOV_DEV_IDP_PORT: String(idpPort),
        GOV_GATEWAY_PORT: String(platform.gatewayPort),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let log = '';
  child.stderr?.on('data', (c: Buffer) => {
    log += c.toString();
  });
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  for (let i = 0; ; i++) {
    const ok = await fetch(`${apiUrl}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (i > 300 || child.exitCode !== null)
      throw new Error(`the second control plane did not start:\n${log}`);
    await sleep(100);
  }
  return {
    apiUrl,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
