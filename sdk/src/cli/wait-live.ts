import type { DeploymentResource, GovClient } from '../client/gov-client.ts';
import { citizenGet } from '../net/citizen-fetch.ts';
import { UserError } from './errors.ts';

const POLL_MS = 200;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until a version is ready (or failed), then until the citizen URL is
 * answered by that version through the gateway: only then is it live for
 * citizens. Returns the citizen URL.
 */
export async function waitUntilLive(
  client: GovClient,
  deployment: DeploymentResource,
  deadline: number,
  onReady: () => void,
): Promise<string> {
  const { ministry, app, version } = deployment;
  for (;;) {
    const current = await client.getDeployment(ministry, app, version);
    if (current.status === 'failed') {
      throw new UserError(
        'start_failed',
        `version ${version} failed to start: ${current.statusReason ?? 'no reason given'}`,
        {
          hint: 'fix the app and deploy again; the previous version keeps serving',
        },
      );
    }
    if (current.status === 'ready' && current.live) break;
    if (Date.now() > deadline) throw timeout(version, `it is still ${current.status}`);
    await sleep(POLL_MS);
  }
  onReady();
  const { url } = await client.getApp(ministry, app);
  for (;;) {
    const answer = await citizenGet(url).catch(() => undefined);
    if (answer && answer.headers['x-gov-deployment'] === deployment.id) return url;
    if (Date.now() > deadline) throw timeout(version, `${url} does not answer with it yet`);
    await sleep(POLL_MS);
  }
}

function timeout(version: number, state: string) {
  return new UserError('timeout', `version ${version} is not live in time: ${state}`, {
    hint: 'check `gov deployments list`, or raise --timeout-ms',
  });
}
