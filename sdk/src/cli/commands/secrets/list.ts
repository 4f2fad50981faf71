import type { SecretResource } from '@gov/contract';
import { resolveApp, resolveMinistry } from '../../app-target.ts';
import { appOptions, defineCommand } from '../../command.ts';
import { clientFor } from '../../context.ts';
import { table } from '../../table.ts';

export const secretsList = defineCommand({
  path: ['secrets', 'list'],
  summary: "List an app's secrets by name (values are never shown)",
  usage: 'gov secrets list [--app a] [--ministry m] [--json]',
  positionals: [],
  options: appOptions,
  async run(input) {
    const app = resolveApp(input);
    const ministry = await resolveMinistry(input);
    const { secrets } = await clientFor(input).raw<{ secrets: SecretResource[] }>(
      'GET',
      `/v1/ministries/${ministry}/apps/${app}/secrets`,
    );
    if (input.flags.json) return input.stdout(`${JSON.stringify(secrets)}\n`);
    if (secrets.length === 0) {
      return input.stderr(
        `App ${app} has no secret: set one with \`gov secrets put NAME --app ${app}\`.\n`,
      );
    }
    const rows = secrets.map((s) => [
      s.name,
      String(s.revision),
      s.updatedAt.replace('T', ' ').slice(0, 19),
    ]);
    input.stdout(table(['NAME', 'REVISION', 'CHANGED (UTC)'], rows));
  },
});
