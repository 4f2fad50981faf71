import { UserError } from '../cli/errors.ts';
import { checkSettings, notInherited } from './config-settings.ts';

export interface ResolvedConfig {
  /** The settings in force: the top level, or one environment over it. */
  settings: Record<string, unknown>;
  /** Settings noted as unused on Gov, one line each, for stderr. */
  notes: string[];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Applies `--env <name>` the way wrangler does: the environment's settings
 * win, inheritable ones (main, compatibility_date, rules…) come from the top
 * level when it does not set them, vars and bindings do not, and the name
 * becomes `<name>-<env>` unless the environment sets its own. The `gov`
 * section merges, the environment's keys winning.
 *
 * @example
 * resolveEnvironment({ name: 'rdv', vars: { A: '1' }, env: { test: {} } }, 'test', 'wrangler.toml');
 * // { settings: { name: 'rdv-test' }, notes: [] }
 */
export function resolveEnvironment(
  raw: Record<string, unknown>,
  envName: string | undefined,
  fileName: string,
): ResolvedConfig {
  const notes = checkSettings(raw, fileName);
  const { env: environments, ...top } = raw;
  if (environments !== undefined && !isObject(environments)) {
    throw new UserError('invalid_config', `"env" in ${fileName} must be a table of environments`, {
      hint: 'for example [env.staging] in TOML, or "env": { "staging": { … } } in JSON',
    });
  }
  if (envName === undefined) return { settings: top, notes };

  const section = environments?.[envName];
  if (!isObject(section)) {
    const known = Object.keys(environments ?? {});
    throw new UserError('unknown_env', `no environment "${envName}" in ${fileName}`, {
      hint: known.length
        ? `environments there: ${known.join(', ')}`
        : `add an [env.${envName}] section, or deploy without --env`,
    });
  }
  const where = `environment "${envName}" of ${fileName}`;
  if ('env' in section) {
    throw new UserError('invalid_config', `${where} cannot hold environments of its own`, {
      hint: 'environments are one level deep: [env.<name>]',
    });
  }
  notes.push(...checkSettings(section, where));
  const settings: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(top)) {
    if (!notInherited.has(key)) settings[key] = value;
  }
  Object.assign(settings, section);
  if (section.name === undefined && typeof top.name === 'string') {
    settings.name = `${top.name}-${envName}`;
  }
  if (isObject(top.gov) || isObject(section.gov)) {
    settings.gov = {
      ...(isObject(top.gov) ? top.gov : {}),
      ...(isObject(section.gov) ? section.gov : {}),
    };
  }
  return { settings, notes };
}
