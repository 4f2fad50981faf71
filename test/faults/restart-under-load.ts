import { api, type PlatformProcess } from '../support/platform-process.ts';
import { citizenLoad, type LoadResult } from './citizen-load.ts';

export interface RestartUnderLoadResult extends LoadResult {
  restarts: string[];
  /** Workerd pids of the loaded app before and after: equal means adopted, not restarted. */
  appPidsKept: boolean;
  /** An app scaled to zero before the restarts is still scaled to zero after. */
  idleAppStayedIdle: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Citizens keep using an app while the control plane is restarted twice:
 * gracefully (SIGTERM), then killed outright (SIGKILL). The launcher starts
 * it again each time. The platform must be running with a short idle
 * timeout (GOV_IDLE_TIMEOUT_MS) and a ministry "charge" with two apps:
 * `actif` (loaded) and `dormant` (idle).
 */
export async function restartUnderLoad(
  platform: PlatformProcess,
  options: { concurrency?: number } = {},
): Promise<RestartUnderLoadResult> {
  const appId = async (app: string) =>
    (await api(platform, 'GET', `/v1/ministries/charge/apps/${app}/deployments/1`)).json
      .id as string;
  const actif = await appId('actif');
  const dormant = await appId('dormant');
  // Wait until the unused app has been scaled to zero.
  for (let i = 0; i < 100 && (await platform.pidsOf(dormant)).length > 0; i++) await sleep(100);
  const restarts: string[] = [];
  let finished: () => void = () => {};
  const stop = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const load = citizenLoad(
    { port: platform.gatewayPort, host: 'actif.charge.localhost' },
    options.concurrency ?? 4,
    stop,
  );
  let before: number[] = [];
  try {
    await sleep(500);
    before = await platform.pidsOf(actif);
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      const started = performance.now();
      await platform.restartControlPlane(signal);
      restarts.push(`${signal}: back in ${Math.round(performance.now() - started)} ms`);
      await sleep(500);
    }
  } finally {
    finished();
  }
  const result = await load;
  const after = await platform.pidsOf(actif);
  return {
    ...result,
    restarts,
    appPidsKept: before.length > 0 && JSON.stringify(before) === JSON.stringify(after),
    idleAppStayedIdle: (await platform.pidsOf(dormant)).length === 0,
  };
}
