import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsFile, saveLogin } from '../auth/credentials.ts';
import { resolveConnection } from './context.ts';
import { runCli } from './run.ts';

const sdkDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'gov-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}, cwd = dir) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    cwd,
    env,
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
  });
  return { code, stdout, stderr };
}

describe('gov CLI', () => {
  it('prints help and version', async () => {
    expect((await cli(['--help'])).stdout).toContain('gov deploy'.replace('gov ', ''));
    expect((await cli(['deploy', '--help'])).stdout).toContain('Usage: gov deploy');
    expect((await cli(['--version'])).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it.each([
    [['frobnicate'], /unknown command "frobnicate"/, /commands: login, deploy/],
    [['deploy', '--bogus'], /Unknown option '--bogus'/, /usage: gov deploy/],
    [['apps', 'list', '--ministry', 'Bad Name'], /not a valid ministry name/, /lowercase/],
    [['apps', 'list'], /which ministry/, /--ministry/],
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
    expect(second).toMatch(hint);
    expect(res.stderr).not.toMatch(/\n\s+at /); // no stack for user errors
  });

  it('says where the API is not, and how to start it', async () => {
    const res = await cli(
      ['apps', 'list', '--ministry', 'demo', '--api-url', 'http://127.0.0.1:9'],
      {
        GOV_TOKEN: 'gov_secret_value',
      },
    );
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('cannot reach the Gov API at http://127.0.0.1:9');
    expect(res.stderr).toContain('npm start');
    expect(res.stderr).not.toContain('gov_secret_value');
  });

  it('turns the API error envelope into a message, hint and request id', async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: {
            code: 'forbidden',
            message: 'not yours',
            hint: 'ask an admin',
            requestId: 'req_abc',
          },
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const res = await cli(['apps', 'list', '--ministry', 'demo', '--api-url', url], {
        GOV_TOKEN: 't',
      });
      expect(res.code).toBe(1);
      expect(res.stderr).toBe('gov: not yours\n  hint: ask an admin\n  request id: req_abc\n');
    } finally {
      server.close();
    }
  });

  it('finds the local bootstrap token, but only for a local API', async () => {
    const project = path.join(dir, 'projet', 'app');
    await mkdir(path.join(dir, 'projet', '.gov-data'), { recursive: true });
    await mkdir(project, { recursive: true });
    await writeFile(path.join(dir, 'projet', '.gov-data', 'bootstrap-token'), 'gov_local\n');
    const env = { XDG_CONFIG_HOME: path.join(dir, 'vide') };
    expect(resolveConnection({ flags: {}, env, cwd: project })).toEqual({
      apiUrl: 'http://127.0.0.1:7070',
      token: 'gov_local',
    });
    expect(
      resolveConnection({ flags: {}, env: { ...env, GOV_TOKEN: 'gov_env' }, cwd: project }).token,
    ).toBe('gov_env');
    expect(() =>
      resolveConnection({ flags: { 'api-url': 'https://gov.example.ml' }, env, cwd: project }),
    ).toThrow(/not signed in: run `gov login`/);
    expect(() => resolveConnection({ flags: { 'api-url': 'ftp://x' }, env, cwd: project })).toThrow(
      /http/,
    );
  });

  it('uses the gov login saved for that API, until it expires', async () => {
    const env = { XDG_CONFIG_HOME: path.join(dir, 'config') };
    await saveLogin(env, 'https://gov.example.ml', {
      token: 'gov_saved',
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
      email: 'a@b.ml',
    });
    await saveLogin(env, 'https://autre.example.ml', {
      token: 'gov_old',
      expiresAt: new Date(Date.now() - 60_000).toISOString(),
      email: 'a@b.ml',
    });
    expect((await stat(credentialsFile(env))).mode & 0o777).toBe(0o600);
    const at = (url: string) => () =>
      resolveConnection({ flags: { 'api-url': url }, env, cwd: dir });
    expect(at('https://gov.example.ml')().token).toBe('gov_saved');
    expect(at('https://autre.example.ml')).toThrow(/not signed in/);
  });

  it('runs as a real executable with exit codes', () => {
    const help = spawnSync(process.execPath, [path.join(sdkDir, 'bin/gov.js'), '--help'], {
      encoding: 'utf8',
    });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: gov <command>');
    const bad = spawnSync(process.execPath, [path.join(sdkDir, 'bin/gov.js'), 'nope'], {
      encoding: 'utf8',
    });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^gov: unknown command/);
  });
});
