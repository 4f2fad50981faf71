import type { MinistryResource } from '../../../client/gov-client.ts';
import { checkSlug } from '../../app-target.ts';
import { apiOptions, defineCommand } from '../../command.ts';
import { clientFor } from '../../context.ts';
import { UserError } from '../../errors.ts';

export const ministriesCreate = defineCommand({
  path: ['ministries', 'create'],
  summary: 'Create a ministry (platform operators only), with the default quota',
  usage: 'gov ministries create <name> --display-name "Ministère de la Santé" [--json]',
  positionals: ['name'],
  options: { ...apiOptions, 'display-name': { type: 'string' } },
  async run(input) {
    const [nameArg] = input.positionals;
    if (!nameArg) {
      throw new UserError('missing_argument', 'which ministry? no name given', {
        hint: 'gov ministries create sante --display-name "Ministère de la Santé"',
      });
    }
    const name = checkSlug('ministry', nameArg);
    const displayName = input.flags['display-name'] as string | undefined;
    if (!displayName?.trim()) {
      throw new UserError('missing_argument', 'the ministry needs a display name', {
        hint: `gov ministries create ${name} --display-name "Ministère de …"`,
      });
    }
    const created = await clientFor(input).raw<MinistryResource>('POST', '/v1/ministries', {
      name,
      displayName,
    });
    if (input.flags.json) return input.stdout(`${JSON.stringify(created)}\n`);
    input.stdout(`${created.name}\n`);
    input.stderr(
      `Ministry ${created.name} created with the default quota: see \`gov quota get --ministry ${created.name}\`.\n`,
    );
  },
});
