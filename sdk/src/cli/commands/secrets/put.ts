import { SECRET_NAME, type SecretResource } from '@gov/contract';
import { resolveApp, resolveMinistry } from '../../app-target.ts';
import { appOptions, defineCommand } from '../../command.ts';
import { clientFor } from '../../context.ts';
import { UserError } from '../../errors.ts';
import { secretValueOf } from '../../secret-input.ts';

/** A secret's name, checked before anything is read or sent. */
export function checkSecretName(raw: string | undefined, usage: string): string {
  if (!raw) {
    throw new UserError('missing_argument', 'which secret? no name given', { hint: usage });
  }
  if (!SECRET_NAME.test(raw)) {
    throw new UserError('invalid_name', `"${raw}" is not a secret name`, {
      hint: 'use letters, digits and _, like API_KEY: the app reads it as env.API_KEY',
    });
  }
  return raw;
}

export const secretsPut = defineCommand({
  path: ['secrets', 'put'],
  summary: 'Set a secret of an app (value from standard input or a prompt, never a flag)',
  usage:
    'gov secrets put <NAME> [--app a] [--ministry m]   (printf %s "$VALUE" | gov secrets put NAME)',
  positionals: ['name'],
  options: appOptions,
  async run(input) {
    const name = checkSecretName(input.positionals[0], 'gov secrets put API_KEY --app mon-service');
    const app = resolveApp(input);
    const ministry = await resolveMinistry(input);
    if (!input.secretInput) {
      throw new UserError('no_input', 'no standard input to read the secret from', {
        hint: 'pipe the value: printf %s "$VALUE" | gov secrets put NAME',
      });
    }
    const value = secretValueOf(
      await input.secretInput.read(`Value of ${name} for ${app} (not shown): `),
    );
    const client = clientFor(input);
    // As with wrangler, a secret may be set before the first deploy: the app is made if needed.
    await client.createApp(ministry, app);
    const stored = await client.raw<SecretResource>(
      'PUT',
      `/v1/ministries/${ministry}/apps/${app}/secrets/${name}`,
      { value },
    );
    if (input.flags.json) return input.stdout(`${JSON.stringify(stored)}\n`);
    input.stderr(
      `Secret ${name} of ${app} set (revision ${stored.revision}): a running version is replaced to read it, without cutting a request.\n`,
    );
  },
});
