import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { roleAtLeast, roleTooLow } from '@gov/contract';
import { readAppConfig } from '../../build/app-config.ts';
import { buildApp } from '../../build/wrangler-build.ts';
import type { GovClient } from '../../client/gov-client.ts';
import { retryTransient } from '../../client/transient.ts';
import { checkSlug, parseTimeout, resolveMinistry } from '../app-target.ts';
import { apiOptions, defineCommand } from '../command.ts';
import { clientFor } from '../context.ts';
import { UserError } from '../errors.ts';
import { Progress } from '../progress.ts';
import { waitUntilLive } from '../wait-live.ts';

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

export const deploy = defineCommand({
  path: ['deploy'],
  summary: 'Build the app in a folder and put it online as a new version',
  usage:
    'gov deploy [dir | config file | entry.ts] [--env e] [--ministry m] [--app a] [--json] [--timeout-ms n]',
  positionals: ['target?'],
  options: {
    ...apiOptions,
    ministry: { type: 'string' },
    app: { type: 'string' },
    env: { type: 'string' },
    'timeout-ms': { type: 'string' },
  },
  async run(input) {
    const target = path.resolve(input.cwd, input.positionals[0] ?? '.');
    const timeoutMs = parseTimeout(input.flags);
    // Flags first: a typo is reported before anything is read or built.
    if (input.flags.app) checkSlug('app', input.flags.app as string);
    if (input.flags.ministry) checkSlug('ministry', input.flags.ministry as string);
    const envName = input.flags.env as string | undefined;
    if (envName !== undefined && !/^[A-Za-z0-9_-]{1,64}$/.test(envName)) {
      throw new UserError('invalid_flag', `--env "${envName}" is not an environment name`, {
        hint: 'environments are named like staging or production, as in [env.staging]',
      });
    }
    const config = readAppConfig(target, { env: envName });
    for (const note of config.notes)
      input.stderr(`note: ${note}
`);
    const appName = (input.flags.app as string | undefined) ?? config.name;
    if (!appName) {
      throw new UserError('no_app', 'which app? none given', {
        hint: `pass --app <name>, or set "name" in ${path.basename(config.file)}`,
      });
    }
    const app = checkSlug('app', appName);
    const client = clientFor(input);
    const ministry = await resolveMinistry(input, config.dir);
    // The token and the right to deploy are checked before a second of building.
    await checkMayDeploy(client, ministry);
    const progress = new Progress(input.stderr);

    input.stderr(
      `Deploying ${app} (ministry ${ministry}${envName ? `, environment ${envName}` : ''}) from ${config.dir}\n`,
    );
    const { bundle, output } = await buildApp(config).catch(
      (error: Error & { output?: string }) => {
        if (input.flags.verbose && error.output) input.stderr(error.output);
        throw error;
      },
    );
    if (input.flags.verbose) input.stderr(output);
    const bytes = bundle.modules.reduce(
      (n, m) => n + Math.floor((m.contentBase64.length * 3) / 4),
      0,
    );
    progress.done('build', `${bundle.modules.length} module(s), ${kib(bytes)}`);

    // --timeout-ms bounds the whole upload and the wait for the version to go live.
    const deadline = Date.now() + timeoutMs;
    const retrying = (error: Error) =>
      input.stderr(`  (the platform is not answering: ${error.message}; retrying)\n`);
    await retryTransient(() => client.createApp(ministry, app), deadline, retrying);
    // One key for this deploy: if an answer is lost and the upload is sent
    // again, the platform returns the version it already created.
    const idempotencyKey = `deploy-${randomUUID()}`;
    const created = await retryTransient(
      () => client.createDeployment(ministry, app, bundle, { idempotencyKey }),
      deadline,
      retrying,
    );
    progress.done('upload', `version ${created.version}`);

    const url = await waitUntilLive(client, created, deadline, () => progress.done('start'), {
      verbose: Boolean(input.flags.verbose),
      stderr: input.stderr,
    });
    progress.done('live');

    if (input.flags.json) {
      const result = {
        deploymentId: created.id,
        version: created.version,
        url,
        durationMs: progress.elapsedMs,
      };
      input.stdout(`${JSON.stringify(result)}\n`);
    } else {
      input.stdout(`${url}\n`);
    }
  },
});

async function checkMayDeploy(client: GovClient, ministry: string): Promise<void> {
  const me = await client.raw<{ operator: boolean; roles: Record<string, string> }>(
    'GET',
    '/v1/me',
  );
  if (me.operator) return;
  const { id } = await client.raw<{ id: string }>(
    'GET',
    `/v1/ministries/${encodeURIComponent(ministry)}`,
  );
  const role = me.roles[id];
  // The API's own rule and words: deploying needs the developer role.
  if (!roleAtLeast(role, 'developer')) {
    const { message, hint } = roleTooLow(ministry, role, 'developer');
    throw new UserError('forbidden', message, { hint });
  }
}
