import path from 'node:path';
import { readAppConfig } from '../../build/app-config.ts';
import { buildApp } from '../../build/wrangler-build.ts';
import { checkSlug, ministryFrom, parseTimeout } from '../app-target.ts';
import { apiOptions, defineCommand } from '../command.ts';
import { clientFor } from '../context.ts';
import { UserError } from '../errors.ts';
import { Progress } from '../progress.ts';
import { waitUntilLive } from '../wait-live.ts';

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

export const deploy = defineCommand({
  path: ['deploy'],
  summary: 'Build the app in a folder and put it online as a new version',
  usage: 'gov deploy [dir] [--ministry m] [--app a] [--json] [--timeout-ms n]',
  positionals: ['dir?'],
  options: {
    ...apiOptions,
    ministry: { type: 'string' },
    app: { type: 'string' },
    'timeout-ms': { type: 'string' },
  },
  async run(input) {
    const dir = path.resolve(input.cwd, input.positionals[0] ?? '.');
    const timeoutMs = parseTimeout(input.flags);
    // Flags first: a typo is reported before anything is read or built.
    if (input.flags.app) checkSlug('app', input.flags.app as string);
    if (input.flags.ministry) checkSlug('ministry', input.flags.ministry as string);
    const config = readAppConfig(dir);
    const appName = (input.flags.app as string | undefined) ?? config.name;
    if (!appName) {
      throw new UserError('no_app', 'which app? none given', {
        hint: 'pass --app <name>, or set "name" in wrangler.jsonc',
      });
    }
    const app = checkSlug('app', appName);
    const ministry = ministryFrom(input, dir);
    const client = clientFor(input);
    const progress = new Progress(input.stderr);

    input.stderr(`Deploying ${app} (ministry ${ministry}) from ${dir}\n`);
    const { bundle, output } = await buildApp(dir, config).catch(
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

    await client.createApp(ministry, app);
    const created = await client.createDeployment(ministry, app, bundle);
    progress.done('upload', `version ${created.version}`);

    // --timeout-ms bounds the wait for the version to start and go live.
    const deadline = Date.now() + timeoutMs;
    const url = await waitUntilLive(client, created, deadline, () => progress.done('start'));
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
