import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type ParseError, parse, printParseErrorCode } from 'jsonc-parser';
import { UserError } from '../cli/errors.ts';

const CONFIG_FILES = ['wrangler.jsonc', 'wrangler.json'];

export interface ModuleRule {
  type: string;
  globs: string[];
}

/** What gov reads from an app's wrangler config. */
export interface AppConfig {
  file: string;
  /** The whole config as written, minus the `gov` section. */
  wrangler: Record<string, unknown>;
  name: string | undefined;
  ministry: string | undefined;
  /** The Worker's entry file, relative to the config, e.g. "src/index.ts". */
  main: string | undefined;
  /** wrangler `rules`: how non-JavaScript imports are typed (e.g. .md files as Text). */
  rules: ModuleRule[];
  compatibilityDate: string | undefined;
  compatibilityFlags: string[];
  vars: Record<string, string>;
}

/**
 * Reads `wrangler.jsonc` (or `wrangler.json`) in an app folder: what wrangler
 * needs to build it, and what gov needs to deploy it (`gov.ministry`).
 *
 * @example
 * const config = readAppConfig('templates/demarche');
 * console.log(config.name, config.ministry); // "demarche" "demo"
 */
export function readAppConfig(dir: string): AppConfig {
  const file = CONFIG_FILES.map((f) => path.join(dir, f)).find((f) => existsSync(f));
  if (!file) {
    throw new UserError('no_config', `no wrangler.jsonc in ${dir}`, {
      hint: 'run gov deploy in an app folder, or copy templates/demarche to start one',
    });
  }
  const errors: ParseError[] = [];
  const parsed: unknown = parse(readFileSync(file, 'utf8'), errors, { allowTrailingComma: true });
  if (errors.length > 0 || typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    const first = errors[0];
    throw new UserError(
      'invalid_config',
      `${path.basename(file)} is not valid JSONC${first ? ` (${printParseErrorCode(first.error)} at offset ${first.offset})` : ''}`,
      {
        hint: 'fix the file; it must be one JSON object',
      },
    );
  }
  const { gov, ...wrangler } = parsed as Record<string, unknown>;
  const govSection = (typeof gov === 'object' && gov !== null ? gov : {}) as Record<
    string,
    unknown
  >;
  const vars: Record<string, string> = {};
  const rawVars = wrangler.vars;
  if (rawVars && typeof rawVars === 'object' && !Array.isArray(rawVars)) {
    for (const [key, value] of Object.entries(rawVars)) {
      // workerd binds text; structured values are passed as their JSON.
      vars[key] = typeof value === 'string' ? value : JSON.stringify(value);
    }
  }
  const flags = Array.isArray(wrangler.compatibility_flags)
    ? wrangler.compatibility_flags.filter((f): f is string => typeof f === 'string')
    : [];
  const rules = Array.isArray(wrangler.rules)
    ? wrangler.rules.flatMap((r: unknown): ModuleRule[] => {
        const { type, globs } = (r ?? {}) as { type?: unknown; globs?: unknown };
        if (typeof type !== 'string' || !Array.isArray(globs)) return [];
        return [{ type, globs: globs.filter((g): g is string => typeof g === 'string') }];
      })
    : [];
  return {
    file,
    wrangler,
    name: typeof wrangler.name === 'string' ? wrangler.name : undefined,
    ministry: typeof govSection.ministry === 'string' ? govSection.ministry : undefined,
    main: typeof wrangler.main === 'string' ? wrangler.main : undefined,
    rules,
    compatibilityDate:
      typeof wrangler.compatibility_date === 'string' ? wrangler.compatibility_date : undefined,
    compatibilityFlags: flags,
    vars,
  };
}
