import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type ParseError, parse, printParseErrorCode } from 'jsonc-parser';
import { parse as parseToml, TomlError } from 'smol-toml';
import { UserError } from '../cli/errors.ts';

/** The names wrangler looks for, in the order it prefers them when several exist. */
export const CONFIG_FILES = ['wrangler.json', 'wrangler.jsonc', 'wrangler.toml'] as const;

/** The config file in a folder, as wrangler would pick it, or undefined. */
export function configFileIn(dir: string): string | undefined {
  return CONFIG_FILES.map((f) => path.join(dir, f)).find((f) => existsSync(f));
}

/**
 * The config file for an entry point given on the command line: the nearest
 * one in the entry's folder or above, as `wrangler deploy src/index.ts` finds it.
 */
export function configFileAbove(file: string): string | undefined {
  let dir = path.dirname(path.resolve(file));
  for (;;) {
    const found = configFileIn(dir);
    if (found) return found;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Reads a wrangler config (JSON, JSONC or TOML) into one plain object. */
export function parseConfigFile(file: string): Record<string, unknown> {
  const text = readFileSync(file, 'utf8');
  const name = path.basename(file);
  const parsed: unknown = file.endsWith('.toml')
    ? parseTomlText(text, name)
    : parseJsonc(text, name);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UserError('invalid_config', `${name} is not valid: it must be one object`, {
      hint: 'the file holds settings like "name" and "main" at its top level',
    });
  }
  return parsed as Record<string, unknown>;
}

function parseJsonc(text: string, name: string): unknown {
  const errors: ParseError[] = [];
  const parsed: unknown = parse(text, errors, { allowTrailingComma: true });
  const first = errors[0];
  if (first) {
    const line = text.slice(0, first.offset).split('\n').length;
    throw new UserError(
      'invalid_config',
      `${name} is not valid JSONC (${printParseErrorCode(first.error)} on line ${line})`,
      { hint: 'fix the file; it must be one JSON object (comments and trailing commas are fine)' },
    );
  }
  return parsed;
}

function parseTomlText(text: string, name: string): unknown {
  try {
    // Dates stay text: compatibility_date = 2026-04-01 (unquoted) is a TOML date.
    return normaliseToml(parseToml(text));
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    throw new UserError(
      'invalid_config',
      `${name} is not valid TOML (${error.message.split('\n')[0]?.replace(/^Invalid TOML document: /, '')} on line ${error.line})`,
      { hint: 'fix the file; see https://toml.io for the syntax' },
    );
  }
}

/** TOML dates and big integers become what the JSON config would hold. */
function normaliseToml(value: unknown): unknown {
  // smol-toml's dates print as written (2026-04-01 stays a date, not a midnight).
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(normaliseToml);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = normaliseToml(v);
    return out;
  }
  return value;
}
