import { apiOptions, defineCommand } from '../../command.ts';
import { clientFor } from '../../context.ts';
import { table } from '../../table.ts';

export const ministriesList = defineCommand({
  path: ['ministries', 'list'],
  summary: 'List the ministries you can act in (every ministry, for an operator)',
  usage: 'gov ministries list [--json]',
  positionals: [],
  options: { ...apiOptions },
  async run(input) {
    const { ministries } = await clientFor(input).listMinistries();
    if (input.flags.json) return input.stdout(`${JSON.stringify(ministries)}\n`);
    if (ministries.length === 0) {
      return input.stderr(
        'You have no role in any ministry yet: ask an admin of your ministry to grant you one.\n',
      );
    }
    const rows = ministries.map((m) => [m.name, m.displayName, m.createdAt.slice(0, 10)]);
    input.stdout(table(['MINISTRY', 'NAME', 'CREATED'], rows));
  },
});
