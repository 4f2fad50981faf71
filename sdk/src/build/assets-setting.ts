import { existsSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type BundleInput,
  htmlHandlings,
  MAX_ASSET_FILE_BYTES,
  MAX_ASSET_FILES,
  notFoundHandlings,
} from '@gov/contract';
import { UserError } from '../cli/errors.ts';

/** wrangler's `assets` setting, read and checked: the folder exists, every value is known. */
export interface AssetsSetting {
  /** Absolute path of the assets folder. */
  directory: string;
  binding?: string;
  htmlHandling: (typeof htmlHandlings)[number];
  notFoundHandling: (typeof notFoundHandlings)[number];
  runWorkerFirst: boolean | string[];
}

/** Files Workers reads as settings of the folder (applied, never served as assets). */
const SETTINGS_FILES = ['_headers', '_redirects'];
const IGNORE_FILE = '.assetsignore';

const EXAMPLE = 'for example [assets] directory = "./public" binding = "ASSETS"';

function invalid(message: string, hint = EXAMPLE): UserError {
  return new UserError('invalid_config', message, { hint });
}

/**
 * Reads `assets` as wrangler does (`directory`, `binding`, `html_handling`,
 * `not_found_handling`, `run_worker_first`), before anything is built: a
 * folder that does not exist or a value Workers does not know fails here.
 */
export function readAssetsSetting(
  raw: unknown,
  fileName: string,
  projectDir: string,
): AssetsSetting | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw invalid(`"assets" in ${fileName} must be a table`);
  }
  const {
    directory,
    binding,
    html_handling: htmlHandling = 'auto-trailing-slash',
    not_found_handling: notFoundHandling = 'none',
    run_worker_first: runWorkerFirst = false,
    ...rest
  } = raw as Record<string, unknown>;
  const other = Object.keys(rest)[0];
  if (other !== undefined) {
    throw new UserError(
      'unsupported_setting',
      `"assets.${other}" in ${fileName} is not supported on Gov`,
      {
        hint: 'assets take directory, binding, html_handling, not_found_handling and run_worker_first',
      },
    );
  }
  if (typeof directory !== 'string' || directory === '') {
    throw invalid(`"assets" in ${fileName} needs a "directory": the folder of files to serve`);
  }
  const folder = path.resolve(projectDir, directory);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    throw invalid(
      `the assets directory ${directory} named in ${fileName} does not exist`,
      `create ${directory}, or correct "directory" in ${fileName}`,
    );
  }
  if (
    binding !== undefined &&
    (typeof binding !== 'string' || !/^[A-Za-z_]\w{0,63}$/.test(binding))
  ) {
    throw invalid(`"assets.binding" in ${fileName} must be a name like ASSETS`);
  }
  const oneOf = (key: string, value: unknown, allowed: readonly string[]) => {
    if (typeof value !== 'string' || !allowed.includes(value)) {
      throw invalid(
        `"assets.${key}" in ${fileName} must be one of ${allowed.join(', ')}`,
        `for example ${key} = "${allowed[0]}"`,
      );
    }
  };
  oneOf('html_handling', htmlHandling, htmlHandlings);
  oneOf('not_found_handling', notFoundHandling, notFoundHandlings);
  const patterns =
    Array.isArray(runWorkerFirst) && runWorkerFirst.every((p) => typeof p === 'string');
  if (typeof runWorkerFirst !== 'boolean' && !patterns) {
    throw invalid(
      `"assets.run_worker_first" in ${fileName} must be true, false or a list of paths`,
      'for example run_worker_first = ["/api/*"]',
    );
  }
  return {
    directory: folder,
    ...(binding === undefined ? {} : { binding: binding as string }),
    htmlHandling: htmlHandling as AssetsSetting['htmlHandling'],
    notFoundHandling: notFoundHandling as AssetsSetting['notFoundHandling'],
    runWorkerFirst: runWorkerFirst as boolean | string[],
  };
}

type Rules = Pick<NonNullable<BundleInput['assets']>, 'headers' | 'redirects'>;

function ruleError(file: string, line: number, message: string, hint: string): UserError {
  return new UserError('invalid_config', `${file}, line ${line}: ${message}`, { hint });
}

/**
 * `_headers` as Workers reads it: a path pattern on its own line, then
 * indented `Name: value` lines to set and `! Name` lines to remove.
 */
export function parseHeadersFile(text: string): NonNullable<Rules['headers']> {
  const rules: NonNullable<Rules['headers']> = [];
  const hint = 'for example:\n/*\n  X-Frame-Options: DENY\n  ! X-Powered-By';
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trimEnd();
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    if (!/^\s/.test(line)) {
      if (!line.startsWith('/')) {
        throw ruleError(
          '_headers',
          i + 1,
          `"${line}" is not a path`,
          'Gov applies rules to paths like /demarches/*, not to hosts',
        );
      }
      rules.push({ pattern: line, set: {}, unset: [] });
      continue;
    }
    const rule = rules.at(-1);
    if (!rule) throw ruleError('_headers', i + 1, 'a header before any path', hint);
    const entry = line.trim();
    if (entry.startsWith('!')) {
      rule.unset?.push(entry.slice(1).trim());
      continue;
    }
    const colon = entry.indexOf(':');
    if (colon <= 0) throw ruleError('_headers', i + 1, `"${entry}" is not Name: value`, hint);
    const name = entry.slice(0, colon).trim();
    const value = entry.slice(colon + 1).trim();
    rule.set[name] = rule.set[name] === undefined ? value : `${rule.set[name]}, ${value}`;
  }
  return rules;
}

/** `_redirects` as Workers reads it: `from to [status]` a line, 302 by default. */
export function parseRedirectsFile(text: string): NonNullable<Rules['redirects']> {
  const rules: NonNullable<Rules['redirects']> = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [from = '', to = '', statusText, ...extra] = line.split(/\s+/);
    const status = statusText === undefined ? 302 : Number(statusText);
    if (status === 200) {
      throw ruleError(
        '_redirects',
        i + 1,
        'a rewrite (200) is not supported on Gov',
        'rewrite the path in your code, with run_worker_first for it',
      );
    }
    if (
      !from.startsWith('/') ||
      to === '' ||
      extra.length > 0 ||
      ![301, 302, 303, 307, 308].includes(status)
    ) {
      throw ruleError(
        '_redirects',
        i + 1,
        `"${line}" is not "from to [status]"`,
        'for example: /ancienne-demarche /demarches/acte 301',
      );
    }
    rules.push({ from, to, status: status as 301 | 302 | 303 | 307 | 308 });
  }
  return rules;
}

/** `.assetsignore` lines as tests on a path relative to the folder (gitignore's common forms). */
function ignoreRules(text: string): Array<(relative: string) => boolean> {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const anchored = line.startsWith('/') || line.slice(0, -1).includes('/');
      const pattern = line.replace(/^\//, '').replace(/\/$/, '');
      const source = pattern
        .split(/(\*\*\/?|\*|\?)/)
        .map((part) =>
          part === '**/' || part === '**'
            ? '(?:.*/)?'
            : part === '*'
              ? '[^/]*'
              : part === '?'
                ? '[^/]'
                : part.replace(/[.+^${}()|[\]\\]/g, '\\$&'),
        )
        .join('');
      // A pattern names a file or a folder (and all below it).
      const regex = new RegExp(`^${anchored ? '' : '(?:.*/)?'}${source}(?:/.*)?$`);
      return (relative: string) => regex.test(relative);
    });
}

/**
 * The files of the assets folder, as the bundle carries them: every file
 * below it except `.assetsignore`'s and the folder's settings files. A
 * symbolic link is refused (it could lead out of the folder), as are more
 * files, or larger ones, than a version may ship.
 */
export async function collectAssets(setting: AssetsSetting): Promise<BundleInput['assets']> {
  const ignorePath = path.join(setting.directory, IGNORE_FILE);
  const ignored = existsSync(ignorePath) ? ignoreRules(await readFile(ignorePath, 'utf8')) : [];
  const files: NonNullable<BundleInput['assets']>['files'] = [];
  const walk = async (relative: string): Promise<void> => {
    const entries = await readdir(path.join(setting.directory, relative), { withFileTypes: true });
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const rel = relative ? `${relative}/${entry.name}` : entry.name;
      if (rel === IGNORE_FILE || SETTINGS_FILES.includes(rel)) continue;
      if (ignored.some((test) => test(rel))) continue;
      if (entry.isSymbolicLink()) {
        throw new UserError('invalid_config', `${rel} in the assets directory is a symbolic link`, {
          hint: 'copy the file into the folder, or list it in .assetsignore',
        });
      }
      if (entry.isDirectory()) {
        await walk(rel);
        continue;
      }
      if (!entry.isFile()) continue;
      if (files.length === MAX_ASSET_FILES) {
        throw new UserError(
          'bundle_too_large',
          `the assets directory holds more than ${MAX_ASSET_FILES} files`,
          {
            hint: 'list what is not to be served in .assetsignore',
          },
        );
      }
      const content = await readFile(path.join(setting.directory, rel));
      if (content.byteLength > MAX_ASSET_FILE_BYTES) {
        throw new UserError(
          'bundle_too_large',
          `${rel} in the assets directory is over ${MAX_ASSET_FILE_BYTES / 1024 / 1024} MiB`,
          { hint: 'a single asset may be 25 MiB at most: keep larger files in an R2 bucket' },
        );
      }
      files.push({ path: `/${rel}`, contentBase64: content.toString('base64') });
    }
  };
  await walk('');
  const read = async (name: string) => {
    const file = path.join(setting.directory, name);
    return existsSync(file) ? readFile(file, 'utf8') : undefined;
  };
  const headersText = await read('_headers');
  const redirectsText = await read('_redirects');
  return {
    files,
    ...(headersText === undefined ? {} : { headers: parseHeadersFile(headersText) }),
    ...(redirectsText === undefined ? {} : { redirects: parseRedirectsFile(redirectsText) }),
    ...(setting.binding === undefined ? {} : { binding: setting.binding }),
    htmlHandling: setting.htmlHandling,
    notFoundHandling: setting.notFoundHandling,
    runWorkerFirst: setting.runWorkerFirst,
  };
}
