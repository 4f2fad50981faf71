import { checkSlug, parseTimeout, resolveMinistry } from '../app-target.ts';
import { apiOptions, defineCommand } from '../command.ts';
import { clientFor } from '../context.ts';
import { UserError } from '../errors.ts';
import { Progress } from '../progress.ts';
import { waitUntilLive } from '../wait-live.ts';

export const rollback = defineCommand({
  path: ['rollback'],
  summary: 'Serve an earlier version again (default: the previous working one)',
  usage: 'gov rollback <app> [version] [--ministry m] [--json] [--timeout-ms n]',
  positionals: ['app', 'version?'],
  options: { ...apiOptions, ministry: { type: 'string' }, 'timeout-ms': { type: 'string' } },
  async run(input) {
    const [appArg, versionArg] = input.positionals;
    if (!appArg)
      throw new UserError('missing_argument', 'which app?', {
        hint: 'name one of your apps, as in gov rollback <app>; `gov apps list` shows them',
      });
    const app = checkSlug('app', appArg);
    let version: number | undefined;
    if (versionArg !== undefined) {
      version = Number(versionArg);
      if (!Number.isInteger(version) || version < 1) {
        throw new UserError('invalid_argument', `"${versionArg}" is not a version number`, {
          hint: `list versions with \`gov deployments list ${app}\``,
        });
      }
    }
    const timeoutMs = parseTimeout(input.flags);
    const ministry = await resolveMinistry(input);
    const client = clientFor(input);
    const progress = new Progress(input.stderr);
    const target = await client.rollback(ministry, app, version);
    input.stderr(`Rolling ${app} back to version ${target.version}\n`);
    const deadline = Date.now() + timeoutMs;
    const url = await waitUntilLive(client, target, deadline, () => progress.done('start'));
    progress.done('live');
    input.stdout(
      input.flags.json
        ? `${JSON.stringify({ deploymentId: target.id, version: target.version, url, durationMs: progress.elapsedMs })}\n`
        : `${url}\n`,
    );
  },
});
