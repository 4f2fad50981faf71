import { checkSlug, ministryFrom } from '../../app-target.ts';
import { apiOptions, defineCommand } from '../../command.ts';
import { clientFor } from '../../context.ts';
import { UserError } from '../../errors.ts';
import { table } from '../../table.ts';

export const deploymentsList = defineCommand({
  path: ['deployments', 'list'],
  summary: "List an app's versions, newest first",
  usage: 'gov deployments list <app> [--ministry m] [--json]',
  positionals: ['app'],
  options: { ...apiOptions, ministry: { type: 'string' } },
  async run(input) {
    const [appArg] = input.positionals;
    if (!appArg)
      throw new UserError('missing_argument', 'which app?', { hint: 'gov deployments list <app>' });
    const app = checkSlug('app', appArg);
    const { deployments } = await clientFor(input).listDeployments(ministryFrom(input), app);
    if (input.flags.json) return input.stdout(`${JSON.stringify(deployments)}\n`);
    const rows = deployments.map((d) => [
      String(d.version),
      d.status,
      d.live ? 'live' : '',
      d.createdAt.replace('T', ' ').slice(0, 19),
      d.statusReason?.split('\n')[0] ?? '',
    ]);
    input.stdout(table(['VERSION', 'STATUS', '', 'CREATED (UTC)', 'REASON'], rows));
  },
});
