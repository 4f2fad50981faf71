import type { DeploymentResource, GovClient } from '../client/gov-client.ts';
import { retryTransient } from '../client/transient.ts';
import { citizenGet } from '../net/citizen-fetch.ts';
import { UserError } from './errors.ts';

const POLL_MS = 200;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface WaitOptions {
  /** Print the full failure text (workerd's output, bounded) on a failed start. */
  verbose?: boolean;
  stderr?: (s: string) => void;
}

/**
 * Waits until a version is ready (or failed, or superseded), then until the
 * citizen URL is answered by that very version through the gateway (its
 * `x-gov-deployment` header): only then is it live for citizens. A control
 * plane that restarts meanwhile only delays the answer. Returns the URL.
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
  options: WaitOptions = {},
): Promise<string> {
  const { ministry, app, version } = deployment;
  let url: string | undefined;
  let seen = 'no answer yet';
  for (;;) {
    const current = await retryTransient(
      () => client.getDeployment(ministry, app, version),
      deadline,
    ).catch((error) => {
      throw isDeadlinePassed(deadline) ? timeout(app, version, 'the API did not answer') : error;
    });
    if (current.status === 'failed') {
      if (options.verbose && current.statusDetail) options.stderr?.(`${current.statusDetail}\n`);
      throw new UserError(
        'start_failed',
        `version ${version} failed to start: ${current.statusReason ?? 'no reason given'}`,
        {
          hint: `fix the app and run \`gov deploy\` again${options.verbose ? '' : ' (--verbose shows the whole output)'}; the version that was live keeps serving (\`gov deployments list ${app}\`)`,
        },
      );
    }
    // Final only when nobody asks for it any more: a rollback makes a
    // stopped version desired again a moment before it starts again.
    if ((current.status === 'superseded' || current.status === 'stopped') && !current.desired) {
      const why =
        current.status === 'superseded'
          ? (current.statusReason ?? 'a newer version was deployed')
          : 'it went live, then another version replaced it';
      throw new UserError('superseded', `version ${version} will not go live: ${why}`, {
        hint: `see \`gov deployments list ${app}\``,
      });
    }
    // Ready alone is not enough: live once the gateway answers with this very version.
    if (current.status === 'ready' && current.live) {
      if (url === undefined) {
        onReady();
        url = (await retryTransient(() => client.getApp(ministry, app), deadline)).url;
      }
      try {
        const answer = await citizenGet(url);
        const served = answer.headers['x-gov-deployment'];
        if (served === deployment.id) return url;
        seen = `HTTP ${answer.status} from ${served ? `deployment ${served}` : 'no deployment'}`;
      } catch (error) {
        seen = (error as Error).message;
      }
    }
    if (Date.now() > deadline) {
      const state =
        url !== undefined
          ? `${url} still answers with something else (${seen})`
          : `it is still ${current.status === 'ready' ? 'ready but not live yet' : current.status}`;
      throw timeout(app, version, state);
    }
    await sleep(POLL_MS);
  }
}

function isDeadlinePassed(deadline: number): boolean {
  return Date.now() > deadline;
}

function timeout(app: string, version: number, state: string) {
  return new UserError('timeout', `version ${version} is not live in time: ${state}`, {
    hint: `check \`gov deployments list ${app}\`, or allow more time with --timeout-ms`,
  });
}
