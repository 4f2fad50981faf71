import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { UserError } from '../cli/errors.ts';

/**
 * Nothing phones home. Read from wrangler 4.86's source:
 * - metrics and Sentry error reports are off by their own variables;
 * - the banner is hidden, because printing it runs an update check against
 *   the npm registry;
 * - the update check that remains (an unknown config field, a crash report,
 *   a too-new compatibility date) finds the registry through rc('npm'), which
 *   reads npm_-prefixed variables: npm_registry, not npm_config_registry. It
 *   is pointed at a closed loopback port, so it fails at once, locally.
 */
export const WRANGLER_OFFLINE_ENV: Readonly<Record<string, string>> = {
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_SEND_ERROR_REPORTS: 'false',
  WRANGLER_HIDE_BANNER: 'true',
  npm_registry: 'http://127.0.0.1:9/',
  NO_UPDATE_NOTIFIER: '1',
  // wrangler colours its messages whatever this says; gov strips the codes.
  FORCE_COLOR: '0',
};

/** The wrangler this package depends on, never one found on PATH. */
function wranglerBin(): string {
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('wrangler/package.json');
  return path.join(path.dirname(pkg), 'bin', 'wrangler.js');
}

/**
 * Runs wrangler offline in `cwd` and returns what it printed (stdout and
 * stderr together, colour codes removed). A non-zero exit becomes the
 * UserError "build failed: <first error>", with the full output attached as
 * `output` for --verbose.
 *
 * @example
 * const output = await runWrangler('templates/demarche', ['deploy', '--dry-run', '--outdir', out]);
 */
export function runWrangler(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [wranglerBin(), ...args], {
      cwd,
      env: { ...process.env, ...WRANGLER_OFFLINE_ENV },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let raw = '';
    child.stdout.on('data', (c: Buffer) => {
      raw += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      raw += c.toString();
    });
    child.on('error', (error) =>
      reject(
        new UserError('build_failed', `could not run wrangler: ${error.message}`, {
          hint: 'run `npm install` in the gov folder, then deploy again',
        }),
      ),
    );
    child.on('close', (code) => {
      const output = stripVTControlCharacters(raw);
      if (code === 0) return resolve(output);
      const failure = new UserError(
        'build_failed',
        `build failed: ${failureReason(output, code)}`,
        {
          hint: "fix it and run `gov deploy` again (--verbose shows wrangler's full output)",
        },
      );
      reject(Object.assign(failure, { output }));
    });
  });
}

/**
 * The most specific error line: esbuild's "Build failed with 1 error:" is
 * followed by the real one ("Could not resolve …") and its file:line.
 */
export function failureReason(output: string, code: number | null): string {
  const lines = output.split('\n').map((l) => l.trim());
  const errors = lines
    .map((line, i) => ({ line, i }))
    .filter(({ line }) => /^(✘\s*)?\[ERROR\]/.test(line))
    .map(({ line, i }) => ({ text: line.replace(/^(✘\s*)?\[ERROR\]\s*/, ''), i }));
  const specific = errors.find((e) => !/^Build failed with \d+ errors?:?$/.test(e.text));
  const chosen = specific ?? errors[0];
  if (!chosen) {
    const any = lines.find((l) => /error/i.test(l) && !/^[-─\s]+$/.test(l));
    return any ?? `wrangler exited with code ${code}`;
  }
  // esbuild prints the location two lines below, like "src/index.ts:3:7:".
  const where = lines
    .slice(chosen.i + 1, chosen.i + 4)
    .find((l) => /^[^\s:]+:\d+:\d+:$/.test(l))
    ?.slice(0, -1);
  return where ? `${chosen.text} (${where})` : chosen.text;
}
