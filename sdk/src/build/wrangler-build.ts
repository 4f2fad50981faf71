import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BundleInput, ModuleType } from '../../../runtime/src/bundle.ts';
import { UserError } from '../cli/errors.ts';
import type { AppConfig } from './app-config.ts';

/**
 * Nothing phones home: no metrics, no error reports, no banner (whose
 * update check calls the npm registry), and any update check that remains
 * is pointed at a closed loopback port so it fails locally.
 */
export const WRANGLER_OFFLINE_ENV = {
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_SEND_ERROR_REPORTS: 'false',
  WRANGLER_HIDE_BANNER: 'true',
  // wrangler's update check finds the registry through rc('npm'), which reads
  // npm_-prefixed variables: npm_registry, not npm_config_registry.
  npm_registry: 'http://127.0.0.1:9/',
  NO_UPDATE_NOTIFIER: '1',
};

function wranglerBin(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('wrangler/package.json');
  return path.join(path.dirname(pkg), 'bin', 'wrangler.js');
}

const typeByExtension: Record<string, ModuleType> = {
  '.js': 'esModule',
  '.mjs': 'esModule',
  '.cjs': 'commonJsModule',
  '.wasm': 'wasm',
  '.txt': 'text',
  '.html': 'text',
  '.bin': 'data',
  '.json': 'json',
};

export interface BuildResult {
  bundle: BundleInput;
  /** What wrangler printed, for --verbose and failure reports. */
  output: string;
}

/**
 * Builds the app exactly as `wrangler deploy` would, without deploying:
 * `wrangler deploy --dry-run --outdir`, then turns the output into a bundle.
 */
export async function buildApp(dir: string, config: AppConfig): Promise<BuildResult> {
  const outdir = await mkdtemp(path.join(tmpdir(), 'gov-build-'));
  // Wrangler warns about the unknown `gov` section and runs an update check
  // because of it: hand it the config without that section, beside the
  // original so relative paths still resolve.
  const cleanConfig = path.join(dir, `.gov-wrangler-${process.pid}.json`);
  await writeFile(cleanConfig, JSON.stringify(config.wrangler));
  try {
    const output = await runWrangler(dir, [
      'deploy',
      '--dry-run',
      '--outdir',
      outdir,
      '--config',
      cleanConfig,
    ]);
    return { bundle: await bundleFromOutdir(outdir, config), output };
  } finally {
    await rm(cleanConfig, { force: true });
    await rm(outdir, { recursive: true, force: true });
  }
}

function runWrangler(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [wranglerBin(), ...args], {
      cwd,
      env: { ...process.env, ...WRANGLER_OFFLINE_ENV, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      output += c.toString();
    });
    child.on('error', (error) =>
      reject(
        new UserError('build_failed', `could not run wrangler: ${error.message}`, {
          hint: 'run npm install',
        }),
      ),
    );
    child.on('exit', (code) => {
      if (code === 0) return resolve(output);
      const reason =
        output
          .split('\n')
          .map((l) => l.trim())
          .find((l) => /error/i.test(l) && !/^-+$/.test(l)) ?? `wrangler exited with code ${code}`;
      reject(
        Object.assign(
          new UserError(
            'build_failed',
            `build failed: ${reason.replace(/^✘\s*/, '').replace(/^\[ERROR\]\s*/, '')}`,
            {
              hint: "fix the error above (run with --verbose for wrangler's full output), then deploy again",
            },
          ),
          { output },
        ),
      );
    });
  });
}

async function bundleFromOutdir(outdir: string, config: AppConfig): Promise<BundleInput> {
  const files = await listFiles(outdir);
  const modules: BundleInput['modules'] = [];
  for (const file of files) {
    const ext = path.extname(file);
    if (file.endsWith('.map') || file === 'README.md') continue;
    const type = typeByExtension[ext];
    if (!type) continue;
    const content = await readFile(path.join(outdir, file));
    modules.push({ name: file, type, contentBase64: content.toString('base64') });
  }
  const main =
    modules.find((m) => m.name === 'index.js') ?? modules.find((m) => m.type === 'esModule');
  if (!main) {
    throw new UserError('build_failed', 'wrangler produced no JavaScript module', {
      hint: 'check `main` in wrangler.jsonc',
    });
  }
  return {
    mainModule: main.name,
    modules,
    compatibilityDate: config.compatibilityDate ?? new Date().toISOString().slice(0, 10),
    compatibilityFlags: config.compatibilityFlags,
    vars: config.vars,
  };
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
