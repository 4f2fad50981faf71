import { resolveApp, resolveMinistry } from '../../app-target.ts';
import { appOptions, defineCommand } from '../../command.ts';
import { clientFor } from '../../context.ts';
import { checkSecretName } from './put.ts';

export const secretsDelete = defineCommand({
  path: ['secrets', 'delete'],
  summary: 'Delete a secret of an app; its running version is replaced without it',
  usage: 'gov secrets delete <NAME> [--app a] [--ministry m]',
  positionals: ['name'],
  options: appOptions,
  async run(input) {
    const name = checkSecretName(
      input.positionals[0],
      'gov secrets delete API_KEY --app mon-service',
    );
    const app = resolveApp(input);
    const ministry = await resolveMinistry(input);
    await clientFor(input).raw('DELETE', `/v1/ministries/${ministry}/apps/${app}/secrets/${name}`);
    input.stderr(`Secret ${name} of ${app} deleted.\n`);
  },
});
