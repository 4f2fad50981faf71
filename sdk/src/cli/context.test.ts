import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsFile, saveLogin } from '../auth/credentials.ts';
import { cli, startServer } from '../testing/harness.ts';
import { resolveConnection } from './context.ts';

let dir: string;
let project: string;
// No saved `gov login` unless a test writes one.
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'gov-context-'));
  project = path.join(dir, 'projet', 'apps', 'demarche');
  await mkdir(project, { recursive: true });
  await mkdir(path.join(dir, 'projet', '.gov-data'));
  await writeFile(path.join(dir, 'projet', '.gov-data', 'bootstrap-token'), 'gov_local\n');
  await mkdir(path.join(dir, 'ailleurs', '.gov-data'), { recursive: true });
  await writeFile(path.join(dir, 'ailleurs', '.gov-data', 'bootstrap-token'), 'gov_ailleurs');
  env = { XDG_CONFIG_HOME: path.join(dir, 'config-vide') };
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const resolve = (flags: Record<string, string>, extra: NodeJS.ProcessEnv = {}, cwd = project) =>
  resolveConnection({ flags, env: { ...env, ...extra }, cwd });

describe('API URL', () => {
  it('comes from --api-url, else GOV_API_URL, else the local default', () => {
    const token = { GOV_TOKEN: 't' };
    expect(resolve({}, token).apiUrl).toBe('http://127.0.0.1:7070');
    expect(resolve({}, { ...token, GOV_API_URL: 'https://gov.example.ml/' }).apiUrl).toBe(
      'https://gov.example.ml',
    );
    expect(
      resolve({ 'api-url': 'http://127.0.0.1:8080' }, { ...token, GOV_API_URL: 'https://x.ml' })
        .apiUrl,
    ).toBe('http://127.0.0.1:8080');
  });

  it.each(['ftp://x', 'not a url'])('refuses %s', (raw) => {
    expect(() => resolve({ 'api-url': raw }, { GOV_TOKEN: 't' })).toThrow(/URL|http/);
  });
});

describe('token', () => {
  it('finds the nearest .gov-data/bootstrap-token walking up, for a local API', () => {
    expect(resolve({})).toEqual({ apiUrl: 'http://127.0.0.1:7070', token: 'gov_local' });
    expect(resolve({ 'api-url': 'http://localhost:7070' }).token).toBe('gov_local');
  });

  it('prefers GOV_TOKEN, and GOV_DATA_DIR over the walk', () => {
    expect(resolve({}, { GOV_TOKEN: 'gov_env' }).token).toBe('gov_env');
    const other = path.join(dir, 'ailleurs', '.gov-data');
    expect(resolve({}, { GOV_DATA_DIR: other }).token).toBe('gov_ailleurs');
  });

  it('never sends the local bootstrap token to a remote API', () => {
    expect(() => resolve({ 'api-url': 'https://gov.example.ml' })).toThrow(
      /not signed in to https:\/\/gov\.example\.ml/,
    );
  });

  it('says how to get one when there is none', () => {
    try {
      resolve({}, {}, dir);
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'no_token', hint: expect.stringMatching(/npm start/) });
    }
  });

  it('uses the gov login saved for that API, until it expires', async () => {
    const config = { XDG_CONFIG_HOME: path.join(dir, 'config') };
    const later = new Date(Date.now() + 60_000).toISOString();
    const earlier = new Date(Date.now() - 60_000).toISOString();
    await saveLogin(config, 'https://gov.example.ml', {
      token: 'gov_saved',
      expiresAt: later,
      email: 'a@b.ml',
    });
    await saveLogin(config, 'https://autre.example.ml', {
      token: 'gov_old',
      expiresAt: earlier,
      email: 'a@b.ml',
    });
    expect((await stat(credentialsFile(config))).mode & 0o777).toBe(0o600);
    expect(resolve({ 'api-url': 'https://gov.example.ml' }, config).token).toBe('gov_saved');
    expect(() => resolve({ 'api-url': 'https://autre.example.ml' }, config)).toThrow(
      /not signed in/,
    );
  });

  it('is sent as a bearer token and never printed, even with --verbose', async () => {
    const seen: Array<string | undefined> = [];
    const server = await startServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: { code: 'unauthenticated', message: 'token expired', requestId: 'req_1' },
        }),
      );
    });
    try {
      const secret = 'gov_0123456789abcdefghijklmnop';
      const argv = ['apps', 'list', '--ministry', 'demo', '--api-url', server.url, '--verbose'];
      const res = await cli(argv, { ...env, GOV_TOKEN: secret }, project);
      expect(seen).toEqual([`Bearer ${secret}`]);
      expect(res.code).toBe(1);
      expect(res.stderr).toBe('gov: token expired\n  request id: req_1\n');
      expect(res.stdout + res.stderr).not.toContain(secret);
    } finally {
      await server.close();
    }
  });
});
