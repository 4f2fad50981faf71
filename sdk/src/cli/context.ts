import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { savedLogin } from '../auth/credentials.ts';
import { GovClient } from '../client/gov-client.ts';
import type { CommandInput } from './command.ts';
import { UserError } from './errors.ts';

export const DEFAULT_API_URL = 'http://127.0.0.1:7070';

/**
 * The nearest `.gov-data` folder at or above `from`: where `npm start` keeps
 * its data, including the bootstrap token.
 *
 * @example
 * findDataDir('/home/ana/gov/templates/demarche'); // '/home/ana/gov/.gov-data'
 */
export function findDataDir(from: string): string | undefined {
  let dir = path.resolve(from);
  for (;;) {
    const candidate = path.join(dir, '.gov-data');
    if (existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function isLoopback(url: URL): boolean {
  return ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

/**
 * The API URL alone, for commands that need no token (gov login): --api-url,
 * else GOV_API_URL, else the local default; without a trailing slash.
 *
 * @example
 * resolveApiUrl({ flags: {}, env: { GOV_API_URL: 'https://gov.example.ml/' } }); // 'https://gov.example.ml'
 */
export function resolveApiUrl(input: Pick<CommandInput, 'flags' | 'env'>): string {
  const raw =
    (input.flags['api-url'] as string | undefined) || input.env.GOV_API_URL || DEFAULT_API_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UserError('invalid_api_url', `"${raw}" is not a URL`, {
      hint: 'use a URL like http://127.0.0.1:7070',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UserError('invalid_api_url', `the API URL must be http(s), not ${url.protocol}`, {
      hint: 'use a URL like https://gov.example.ml',
    });
  }
  return url.toString().replace(/\/$/, '');
}

export interface Connection {
  apiUrl: string;
  token: string;
}

/**
 * Where the API is and which token to use: --api-url, then GOV_API_URL, then
 * the local default; GOV_TOKEN, then the `gov login` saved for that API,
 * then (only for a local API) the bootstrap token the local platform wrote
 * in GOV_DATA_DIR or the nearest `.gov-data/`. The token is never printed.
 *
 * @example
 * const { apiUrl, token } = resolveConnection({ flags: {}, env: process.env, cwd: process.cwd() });
 */
export function resolveConnection(input: Pick<CommandInput, 'flags' | 'env' | 'cwd'>): Connection {
  const apiUrl = resolveApiUrl(input);
  const url = new URL(apiUrl);
  const fromEnv = input.env.GOV_TOKEN?.trim();
  if (fromEnv) return { apiUrl, token: fromEnv };
  const login = savedLogin(input.env, apiUrl);
  if (login) return { apiUrl, token: login.token };
  if (isLoopback(url)) {
    const dataDir = input.env.GOV_DATA_DIR || findDataDir(input.cwd);
    const file = dataDir ? path.resolve(input.cwd, dataDir, 'bootstrap-token') : undefined;
    const token = file && existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
    if (token) return { apiUrl, token };
  }
  throw new UserError('no_token', `not signed in to ${apiUrl}: no token`, {
    hint: isLoopback(url)
      ? 'run `gov login`, or start the local platform with `npm start` (it writes .gov-data/bootstrap-token), or set GOV_TOKEN'
      : 'run `gov login`, or set GOV_TOKEN to an API token from your ministry admin',
  });
}

/**
 * A GovClient for the resolved API URL and token.
 *
 * @example
 * const { apps } = await clientFor(input).listApps('demo');
 */
export function clientFor(input: Pick<CommandInput, 'flags' | 'env' | 'cwd'>): GovClient {
  const { apiUrl, token } = resolveConnection(input);
  return new GovClient(apiUrl, token);
}
