import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { BundleInput, ModuleType } from '@gov/contract';
import { UserError } from '../cli/errors.ts';
import type { AppConfig, ModuleRule } from './app-config.ts';
import { collectAssets } from './assets-setting.ts';

/** What each emitted file is to workerd, by extension, unless a wrangler rule says otherwise. */
const typeByExtension: Readonly<Record<string, ModuleType>> = {
  '.js': 'esModule',
  '.mjs': 'esModule',
  '.cjs': 'commonJsModule',
  '.wasm': 'wasm',
  '.txt': 'text',
  '.html': 'text',
  '.bin': 'data',
  '.json': 'json',
};

/** wrangler rule types, as workerd module types. */
const typeByRule: Readonly<Record<string, ModuleType>> = {
  ESModule: 'esModule',
  CommonJS: 'commonJsModule',
  CompiledWasm: 'wasm',
  Text: 'text',
  Data: 'data',
};

/**
 * Extensions the app's own `rules` type, e.g. `{ "type": "Text", "globs":
 * ["**\/*.md"] }` makes .md files text. Only "any folder, this extension"
 * globs are understood; they are the ones rules are written with.
 */
function typesFromRules(rules: ModuleRule[]): Record<string, ModuleType> {
  const types: Record<string, ModuleType> = {};
  for (const rule of [...rules].reverse()) {
    const type = typeByRule[rule.type];
    if (!type) continue;
    for (const glob of rule.globs) {
      const ext = /^(?:\*\*\/)?\*(\.[A-Za-z0-9]+)$/.exec(glob)?.[1];
      if (ext) types[ext] = type;
    }
  }
  return types;
}

/** wrangler names the bundled entry after its source; without bundling it keeps the name. */
function mainModuleOf(modules: BundleInput['modules'], main: string | undefined): string {
  const entry = main ? path.parse(main) : undefined;
  const candidates = entry ? [`${entry.name}.js`, entry.base] : [];
  const esModules = modules.filter((m) => m.type === 'esModule');
  const found =
    esModules.find((m) => candidates.includes(m.name)) ??
    esModules.find((m) => m.name === 'index.js') ??
    (esModules.length === 1 ? esModules[0] : undefined);
  if (!found) {
    throw new UserError('build_failed', 'wrangler produced no JavaScript entry module', {
      hint: 'check `main` in wrangler.jsonc: it names the file that exports default { fetch }',
    });
  }
  return found.name;
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else out.push(rel);
  }
  return out.sort();
}

/**
 * Turns wrangler's `--outdir` into a bundle: every emitted module with its
 * workerd type (source maps and wrangler's README.md left out), plus the
 * settings workerd needs from the config.
 *
 * @example
 * const bundle = await bundleFromOutdir('/tmp/gov-build-x', readAppConfig('.'));
 * // { mainModule: 'index.js', modules: [{ name: 'index.js', type: 'esModule', … }], … }
 */
export async function bundleFromOutdir(outdir: string, config: AppConfig): Promise<BundleInput> {
  const types = { ...typeByExtension, ...typesFromRules(config.rules) };
  const modules: BundleInput['modules'] = [];
  for (const file of await listFiles(outdir)) {
    if (file.endsWith('.map') || file === 'README.md') continue;
    const ext = path.extname(file);
    const type = types[ext];
    if (!type) {
      throw new UserError('build_failed', `wrangler emitted ${file}, of a kind gov cannot type`, {
        hint: `add a rule to wrangler.jsonc, e.g. "rules": [{ "type": "Text", "globs": ["**/*${ext}"] }]`,
      });
    }
    const content = await readFile(path.join(outdir, file));
    modules.push({ name: file, type, contentBase64: content.toString('base64') });
  }
  return {
    mainModule: mainModuleOf(modules, config.main),
    modules,
    // wrangler itself falls back to today when the date is missing, with a warning.
    compatibilityDate: config.compatibilityDate ?? new Date().toISOString().slice(0, 10),
    compatibilityFlags: config.compatibilityFlags,
    vars: config.vars,
    ...(config.healthPath ? { healthPath: config.healthPath } : {}),
    ...(config.secrets.length > 0 ? { secrets: config.secrets } : {}),
    ...(config.bindings.length > 0 ? { bindings: config.bindings } : {}),
    ...(config.assets ? { assets: await collectAssets(config.assets) } : {}),
    ...(config.crons.length > 0 ? { triggers: { crons: config.crons } } : {}),
    ...(config.services.length > 0 ? { services: config.services } : {}),
    ...(config.durableObjects.length > 0 ? { durableObjects: config.durableObjects } : {}),
    limits: {
      ...(config.limits.memoryMib ? { memoryMib: config.limits.memoryMib } : {}),
      ...(config.limits.instances ? { instances: config.limits.instances } : {}),
    },
  };
}
