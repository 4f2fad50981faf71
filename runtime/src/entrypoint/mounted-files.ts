import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ServiceAccess } from '../workerd/config.ts';
import { settingsError, type TokenSource } from './settings.ts';

/** The names workerd binds vars under: JavaScript identifiers, as the bundle schema allows. */
const BINDING_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

async function readMounted(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw settingsError(`${what} ${file} cannot be read (${code})`);
  }
}

/** A key or capability from a Secret file, named by `variable` in errors. */
export async function readKeyFile(file: string, variable: string): Promise<string> {
  // Secret files often end with a newline someone's editor added.
  const key = (await readMounted(file, variable)).trim();
  if (!key) throw settingsError(`${variable} ${file} is empty`);
  return key;
}

/** The artifact capability, from its Secret file or the environment. */
export async function readToken(source: TokenSource): Promise<string> {
  if ('value' in source) return source.value;
  return readKeyFile(source.file, 'GOV_ARTIFACT_TOKEN_FILE');
}

/** Plain-text vars: a JSON object of strings, from a ConfigMap. */
export async function readVars(file: string | undefined): Promise<Record<string, string>> {
  if (file === undefined) return {};
  const text = await readMounted(file, 'GOV_VARS_FILE');
  let vars: unknown;
  try {
    vars = JSON.parse(text);
  } catch {
    throw settingsError(`GOV_VARS_FILE ${file} is not JSON`);
  }
  if (typeof vars !== 'object' || vars === null || Array.isArray(vars)) {
    throw settingsError(`GOV_VARS_FILE ${file} must hold a JSON object of strings`);
  }
  for (const [name, value] of Object.entries(vars)) {
    if (typeof value !== 'string') {
      throw settingsError(`GOV_VARS_FILE ${file}: var "${name}" is not a string`);
    }
    if (!BINDING_NAME.test(name)) {
      throw settingsError(`GOV_VARS_FILE ${file}: "${name}" is not a valid var name`);
    }
  }
  return vars as Record<string, string>;
}

/**
 * Secrets: one file per secret, the file name is the binding name. A
 * Kubernetes Secret volume also holds `..data` and timestamped directories
 * (how it swaps contents atomically); names starting with "." are skipped.
 */
export async function readSecrets(dir: string | undefined): Promise<Record<string, string>> {
  if (dir === undefined) return {};
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw settingsError(`GOV_SECRETS_DIR ${dir} cannot be read (${code})`);
  }
  const secrets: Record<string, string> = {};
  for (const name of entries.sort()) {
    if (name.startsWith('.')) continue;
    const file = path.join(dir, name);
    // The visible names are symlinks into ..data: stat follows them.
    if (!(await stat(file)).isFile()) continue;
    if (!BINDING_NAME.test(name)) {
      throw settingsError(`GOV_SECRETS_DIR ${dir}: "${name}" is not a valid secret name`);
    }
    secrets[name] = await readMounted(file, 'secret');
  }
  return secrets;
}

/** Vars and secrets are both text bindings: one name cannot be both. */
export function mergeBindings(
  vars: Record<string, string>,
  secrets: Record<string, string>,
): Record<string, string> {
  const clash = Object.keys(secrets).find((name) => Object.hasOwn(vars, name));
  if (clash !== undefined) {
    throw settingsError(`"${clash}" is both a var and a secret: rename one of them`);
  }
  return { ...vars, ...secrets };
}

const ADDRESS = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/;
const HEADER_NAME = /^x-gov-[a-z-]{1,32}$/;

/**
 * Service bindings, from a Secret file: each binding's name, the relay's
 * address and the headers workerd adds to every call (who calls, the
 * target, a capability). Checked whole: a pod spec that got this wrong
 * must change, restarting will not help.
 */
export async function readServices(file: string | undefined): Promise<ServiceAccess[]> {
  if (file === undefined) return [];
  const text = await readMounted(file, 'GOV_SERVICES_FILE');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw settingsError(`GOV_SERVICES_FILE ${file} is not JSON`);
  }
  const valid =
    Array.isArray(parsed) &&
    parsed.length <= 32 &&
    parsed.every(
      (s) =>
        typeof s === 'object' &&
        s !== null &&
        BINDING_NAME.test(String(s.name)) &&
        ADDRESS.test(String(s.address)) &&
        typeof s.headers === 'object' &&
        s.headers !== null &&
        Object.entries(s.headers).every(
          ([name, value]) => HEADER_NAME.test(name) && typeof value === 'string',
        ),
    );
  if (!valid) {
    throw settingsError(
      `GOV_SERVICES_FILE ${file} must hold a JSON list of {"name","address","headers"}`,
    );
  }
  return parsed as ServiceAccess[];
}
