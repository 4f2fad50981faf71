import path from 'node:path';
import { readAppConfig } from '../build/app-config.ts';
import type { CommandInput } from './command.ts';
import { isUserError, UserError } from './errors.ts';

// The platform's own rule (platform/src/routes/slugs.ts), so that the CLI
// accepts every name the API does: 2 to 40 characters.
const SLUG = /^[a-z][a-z0-9-]{0,38}[a-z0-9]$/;

/**
 * Checks a ministry or app name before it goes into a URL.
 *
 * @example
 * checkSlug('app', 'etat-civil'); // 'etat-civil'
 * checkSlug('app', 'État civil'); // throws UserError invalid_name
 */
export function checkSlug(kind: 'ministry' | 'app', value: string): string {
  if (!SLUG.test(value)) {
    throw new UserError('invalid_name', `"${value}" is not a valid ${kind} name`, {
      hint: 'use 2 to 40 lowercase letters, digits and dashes, starting with a letter and not ending with a dash, like etat-civil',
    });
  }
  return value;
}

/** The ministry: --ministry, or `gov.ministry` in the current folder's wrangler.jsonc. */
export function ministryFrom(input: Pick<CommandInput, 'flags' | 'cwd'>, dir = input.cwd): string {
  const flag = input.flags.ministry as string | undefined;
  if (flag) return checkSlug('ministry', flag);
  let fromConfig: string | undefined;
  try {
    fromConfig = readAppConfig(path.resolve(dir)).ministry;
  } catch (error) {
    // No config is fine (the flag may be missing on purpose); a broken one is not.
    if (!isUserError(error) || error.code !== 'no_config') throw error;
    fromConfig = undefined;
  }
  if (!fromConfig) {
    throw new UserError('no_ministry', 'which ministry? none given', {
      hint: 'pass --ministry <name>, or add "gov": { "ministry": "<name>" } to wrangler.jsonc',
    });
  }
  return checkSlug('ministry', fromConfig);
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
