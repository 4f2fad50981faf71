import path from 'node:path';
import { isSlug } from '@gov/contract';
import { readAppConfig } from '../build/app-config.ts';
import type { CommandInput } from './command.ts';
import { clientFor } from './context.ts';
import { isUserError, UserError } from './errors.ts';

/**
 * Checks a ministry or app name before it goes into a URL.
 *
 * @example
 * checkSlug('app', 'etat-civil'); // 'etat-civil'
 * checkSlug('app', 'État civil'); // throws UserError invalid_name
 */
export function checkSlug(kind: 'ministry' | 'app', value: string): string {
  // The platform's own rule, so that the CLI accepts every name the API does.
  if (!isSlug(value)) {
    throw new UserError('invalid_name', `"${value}" is not a valid ${kind} name`, {
      hint: 'use 2 to 40 lowercase letters, digits and dashes, starting with a letter and not ending with a dash, like etat-civil',
    });
  }
  return value;
}

/**
 * The ministry a command acts on: --ministry, else `gov.ministry` in the
 * app's config (`dir`, the current folder by default), else the only
 * ministry the caller belongs to. Asks the API only in that last case.
 *
 * @example
 * const ministry = await resolveMinistry(input); // 'demo' for a member of demo alone
 */
export async function resolveMinistry(
  input: Pick<CommandInput, 'flags' | 'cwd' | 'env'>,
  dir = input.cwd,
): Promise<string> {
  const flag = input.flags.ministry as string | undefined;
  if (flag) return checkSlug('ministry', flag);
  let fromConfig: string | undefined;
  try {
    fromConfig = readAppConfig(path.resolve(dir), {
      env: input.flags.env as string | undefined,
    }).ministry;
  } catch (error) {
    // No config is fine (commands run anywhere); a broken one is not.
    if (!isUserError(error) || (error.code !== 'no_config' && error.code !== 'not_found'))
      throw error;
  }
  if (fromConfig) return checkSlug('ministry', fromConfig);
  const { ministries } = await clientFor(input).listMinistries();
  const only = ministries.length === 1 ? ministries[0] : undefined;
  if (only) return only.name;
  if (ministries.length === 0) {
    throw new UserError('no_ministry', 'you have no role in any ministry yet', {
      hint: 'ask an admin of your ministry to grant you a role, then run the command again',
    });
  }
  const names = ministries.map((m) => m.name);
  const shown = names.length > 8 ? `${names.slice(0, 8).join(', ')}…` : names.join(', ');
  throw new UserError('no_ministry', `which ministry? you can act in ${names.length}: ${shown}`, {
    hint: `pass --ministry ${names[0]}, or add "gov": { "ministry": "${names[0]}" } to the app's wrangler config`,
  });
}

export function parseTimeout(flags: CommandInput['flags']): number {
  const raw = flags['timeout-ms'] as string | undefined;
  if (raw === undefined) return 120_000;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1000 || n > 3_600_000) {
    throw new UserError(
      'invalid_flag',
      `--timeout-ms must be a whole number from 1000 to 3600000, not "${raw}"`,
      {
        hint: 'for example --timeout-ms 300000',
      },
    );
  }
  return n;
}

/**
 * The app a command acts on when it is not a positional: --app, else `name`
 * in the current folder's wrangler config (environment applied), as
 * `wrangler secret put` works in the project's folder.
 */
export function resolveApp(input: Pick<CommandInput, 'flags' | 'cwd'>): string {
  const flag = input.flags.app as string | undefined;
  if (flag) return checkSlug('app', flag);
  let fromConfig: string | undefined;
  try {
    fromConfig = readAppConfig(path.resolve(input.cwd), {
      env: input.flags.env as string | undefined,
    }).name;
  } catch (error) {
    if (!isUserError(error) || (error.code !== 'no_config' && error.code !== 'not_found'))
      throw error;
  }
  if (!fromConfig) {
    throw new UserError('no_app', 'which app? none given', {
      hint: 'pass --app <name>, or run the command in the app’s folder; `gov apps list` shows your apps',
    });
  }
  return checkSlug('app', fromConfig);
}
