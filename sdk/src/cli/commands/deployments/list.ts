import type { DeploymentResource } from '../../../client/gov-client.ts';
import { checkSlug, resolveMinistry } from '../../app-target.ts';
import { apiOptions, defineCommand } from '../../command.ts';
import { clientFor } from '../../context.ts';
import { UserError } from '../../errors.ts';
import { table } from '../../table.ts';

/** Why a version is not simply ready: its failing condition's reason code, then the text. */
function reasonOf(d: DeploymentResource): string {
  const failing = d.conditions.find(
    (c) => (c.type === 'Available' && !c.status) || (c.type === 'Failed' && c.status),
  );
  const text = d.statusReason?.split('\n')[0] ?? '';
  if (!failing?.reason || d.status === 'stopped' || d.status === 'superseded') return text;
  return text ? `${failing.reason}: ${text}` : failing.reason;
}

export const deploymentsList = defineCommand({
  path: ['deployments', 'list'],
  summary: "List an app's versions, newest first",
  usage: 'gov deployments list <app> [--ministry m] [--json]',
  positionals: ['app'],
  options: { ...apiOptions, ministry: { type: 'string' } },
  async run(input) {
    const [appArg] = input.positionals;
    if (!appArg)
      throw new UserError('missing_argument', 'which app?', {
        hint: 'name one of your apps, as in gov deployments list <app>; `gov apps list` shows them',
      });
    const app = checkSlug('app', appArg);
    const ministry = await resolveMinistry(input);
    const client = clientFor(input);
    const { deployments } = await client.listDeployments(ministry, app);
    if (input.flags.json) return input.stdout(`${JSON.stringify(deployments)}\n`);
    const rows = deployments.map((d) => [
      String(d.version),
      d.status,
      d.live ? 'live' : '',
      ['ready', 'degraded', 'starting'].includes(d.status)
        ? `${d.instances.ready}/${d.instances.desired}`
        : '',
      d.createdAt.replace('T', ' ').slice(0, 19),
      reasonOf(d),
    ]);
    input.stdout(
      table(['VERSION', 'STATUS', '', 'INSTANCES', 'CREATED (UTC)', 'CONDITION / REASON'], rows),
    );
  },
});
