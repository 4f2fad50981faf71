import { resolveMinistry } from '../../app-target.ts';
import { apiOptions, defineCommand } from '../../command.ts';
import { clientFor } from '../../context.ts';
import { table } from '../../table.ts';

export const appsList = defineCommand({
  path: ['apps', 'list'],
  summary: "List a ministry's apps with their live version and URL",
  usage: 'gov apps list [--ministry m] [--json]',
  positionals: [],
  options: { ...apiOptions, ministry: { type: 'string' } },
  async run(input) {
    const ministry = await resolveMinistry(input);
    const client = clientFor(input);
    const { apps } = await client.listApps(ministry);
    if (input.flags.json) return input.stdout(`${JSON.stringify(apps)}\n`);
    if (apps.length === 0)
      return input.stderr(`No apps in ministry ${ministry} yet: create one with \`gov deploy\`.\n`);
    const rows = apps.map((a) => [
      a.name,
      String(a.liveVersion ?? '-'),
      String(a.desiredVersion ?? '-'),
      a.url,
    ]);
    input.stdout(table(['APP', 'LIVE', 'DESIRED', 'URL'], rows));
  },
});
