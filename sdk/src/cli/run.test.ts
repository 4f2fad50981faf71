import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli as runCliIn } from '../testing/harness.ts';

const sdkDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'gov-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const cli = (argv: string[], env: NodeJS.ProcessEnv = {}, cwd = dir) => runCliIn(argv, env, cwd);

describe('gov CLI', () => {
  it('prints help and version on stdout', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    for (const c of ['deploy', 'apps list', 'deployments list', 'rollback']) {
      expect(help.stdout).toContain(`  ${c} `);
    }
    const deploy = await cli(['deploy', '--help']);
    expect(deploy.stdout).toContain('Usage: gov deploy [dir | config file | entry.ts] [--env e]');
    expect(deploy.stdout).toMatch(/--timeout-ms <value>\s+how long to wait/);
    expect((await cli(['help', 'rollback'])).stdout).toContain('Usage: gov rollback <app>');
    expect((await cli(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it.each([
    [['frobnicate'], /unknown command "frobnicate"/, /commands: login, deploy, apps list/],
    [['apps'], /unknown command "apps"/, /try `gov apps list`/],
    [['--verbose', 'deploy'], /options go after the command/, /gov deploy --verbose/],
    [
      ['deploy', '--bogus'],
      /gov deploy has no option --bogus/,
      /its options: .*--env.*gov deploy --help/,
    ],
    [['deploy', '--app'], /--app needs a value/, /usage: gov deploy/],
    [['apps', 'list', '--json=yes'], /--json takes no value/, /usage: gov apps list/],
    [['apps', 'list', '--ministry', 'Bad Name'], /not a valid ministry name/, /lowercase/],
    [['deploy', '--ministry', 'demo', '--app', 'x-'], /not a valid app name/, /etat-civil/],
    [['apps', 'list'], /not signed in/, /gov login/],
    [
      ['deploy'],
      /no wrangler config in .*wrangler\.json, wrangler\.jsonc, wrangler\.toml/,
      /app folder/,
    ],
    [['deploy', 'nowhere/app'], /no folder or file .*nowhere\/app/, /give its path/],
    [['quota', 'set', 'maxApps'], /"maxApps" is not <limit>=<whole number>/, /maxApps=20/],
    [['apps', 'delete'], /which app/, /gov apps list/],
    [['deployments', 'list'], /which app/, /gov apps list/],
    [
      ['rollback', 'demarche', 'deux', '--ministry', 'demo'],
      /not a version number/,
      /gov deployments list demarche/,
    ],
    [['deploy', '--timeout-ms', '5', '--ministry', 'demo'], /--timeout-ms must be/, /for example/],
    [['deploy', 'a', 'b'], /too many arguments/, /usage/],
  ])('refuses %j with a one-line reason and a hint, exit 1', async (argv, message, hint) => {
    const res = await cli(argv);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    const [first, second] = res.stderr.split('\n');
    expect(first).toMatch(/^gov: /);
    expect(first).toMatch(message);
    expect(second).toMatch(/^ {2}hint: /);
    expect(second).toMatch(hint);
    expect(res.stderr).not.toMatch(/\n\s+at /); // no stack for user errors
  });

  it('takes the ministry and app from wrangler.jsonc, and names a missing one', async () => {
    const app = await mkdtemp(path.join(dir, 'app-'));
    await writeFile(path.join(app, 'wrangler.jsonc'), '{ // no name, no gov section\n}');
    const noApp = await cli(['deploy', app, '--ministry', 'demo']);
    expect(noApp.stderr).toMatch(/^gov: which app\? none given\n {2}hint: pass --app <name>/);
    // Without a ministry the API is asked which ones the caller has: here,
    // with no token, that is said before anything is built.
    const noToken = await cli(['deploy', app, '--app', 'demarche']);
    expect(noToken.stderr).toMatch(/^gov: not signed in to .*\n {2}hint: run `gov login`/);
    expect(noToken.stderr).not.toMatch(/build/);
    await writeFile(path.join(app, 'wrangler.jsonc'), '{ "name": "Demarche" }');
    expect((await cli(['deploy', app, '--ministry', 'demo'])).stderr).toMatch(
      /"Demarche" is not a valid app name/,
    );
    // A broken config is reported as such, not as a missing ministry.
    await writeFile(path.join(app, 'wrangler.jsonc'), '{ "name": ');
    expect((await cli(['apps', 'list'], {}, app)).stderr).toMatch(/not valid JSONC/);
  });

  it('runs as a real executable with exit codes', () => {
    const bin = path.join(sdkDir, 'bin/gov.js');
    const help = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: gov <command>');
    const bad = spawnSync(process.execPath, [bin, 'nope'], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^gov: unknown command "nope"\n {2}hint: commands: /);
    const flag = spawnSync(process.execPath, [bin, 'apps', 'list', '--nope'], {
      encoding: 'utf8',
    });
    expect(flag.status).toBe(1);
    expect(flag.stderr).toMatch(/^gov: gov apps list has no option --nope/);
    // No command at all is a mistake: help on stderr, exit 1, so scripts notice.
    const none = spawnSync(process.execPath, [bin], { encoding: 'utf8' });
    expect(none.status).toBe(1);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain('Usage: gov <command>');
  });
});
