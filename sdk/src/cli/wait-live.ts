import type { DeploymentResource, GovClient } from '../client/gov-client.ts';
import { citizenGet } from '../net/citizen-fetch.ts';
import { UserError } from './errors.ts';

const POLL_MS = 200;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until a version is ready (or failed), then until the citizen URL is
 * answered by that very version through the gateway (its `x-gov-deployment`
 * header): only then is it live for citizens. Returns the citizen URL.
 *
 * @example
 * const created = await client.createDeployment('demo', 'demarche', bundle);
 * const url = await waitUntilLive(client, created, Date.now() + 120_000, () => {});
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
          hint: `fix the app and run \`gov deploy\` again; the version that was live keeps serving (\`gov deployments list ${app}\`)`,
        },
      );
    }
    // Ready alone is not enough: the gateway switches once it is also live.
    if (current.status === 'ready' && current.live) break;
    if (Date.now() > deadline) {
      const state = current.status === 'ready' ? 'ready but not live yet' : current.status;
      throw timeout(app, version, `it is still ${state}`);
    }
    await sleep(POLL_MS);
  }
  onReady();
  const { url } = await client.getApp(ministry, app);
  let seen = 'no answer yet';
  for (;;) {
    try {
      const answer = await citizenGet(url);
      const served = answer.headers['x-gov-deployment'];
      if (served === deployment.id) return url;
      seen = `HTTP ${answer.status} from ${served ? `deployment ${served}` : 'no deployment'}`;
    } catch (error) {
      seen = (error as Error).message;
    }
    if (Date.now() > deadline) {
      throw timeout(app, version, `${url} still answers with something else (${seen})`);
    }
    await sleep(POLL_MS);
  }
}

function timeout(app: string, version: number, state: string) {
  return new UserError('timeout', `version ${version} is not live in time: ${state}`, {
    hint: `check \`gov deployments list ${app}\`, or allow more time with --timeout-ms`,
  });
}
