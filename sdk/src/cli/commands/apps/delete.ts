import { checkSlug, resolveMinistry } from '../../app-target.ts';
import { apiOptions, defineCommand } from '../../command.ts';
import { clientFor } from '../../context.ts';
import { UserError } from '../../errors.ts';

export const appsDelete = defineCommand({
  path: ['apps', 'delete'],
  summary: 'Take an app offline and delete it with all its versions',
  usage: 'gov apps delete <app> --yes [--ministry m]',
  positionals: ['app'],
  options: { ...apiOptions, ministry: { type: 'string' }, yes: { type: 'boolean' } },
  async run(input) {
    const [appArg] = input.positionals;
    if (!appArg) {
      throw new UserError('missing_argument', 'which app?', {
        hint: 'name one of your apps; `gov apps list` shows them',
      });
    }
    const app = checkSlug('app', appArg);
    const ministry = await resolveMinistry(input);
    const client = clientFor(input);
    // Citizens lose the service at once: never on a single mistyped command.
    if (!input.flags.yes) {
      throw new UserError('not_confirmed', `deleting ${app} takes it offline for citizens now`, {
        hint: `run \`gov apps delete ${app} --ministry ${ministry} --yes\` to confirm`,
      });
    }
    await client.raw('DELETE', `/v1/ministries/${ministry}/apps/${app}`);
    input.stderr(
      `App ${app} of ministry ${ministry} deleted; citizens now see "service introuvable".\n`,
    );
  },
});
