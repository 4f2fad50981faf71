import { readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export interface SavedLogin {
  token: string;
  expiresAt: string;
  email: string | null;
}

/** Where `gov login` keeps its tokens: one file, readable by the user only. */
export function credentialsFile(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config');
  return path.join(base, 'gov', 'credentials.json');
}

function parse(text: string): Record<string, SavedLogin> {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' ? (value as Record<string, SavedLogin>) : {};
  } catch {
    return {};
  }
}

/** The saved, unexpired login for an API URL. */
export function savedLogin(env: NodeJS.ProcessEnv, apiUrl: string): SavedLogin | undefined {
  let text: string;
  try {
    text = readFileSync(credentialsFile(env), 'utf8');
  } catch {
    return undefined;
  }
  const login = parse(text)[apiUrl];
  return login && new Date(login.expiresAt).getTime() > Date.now() ? login : undefined;
}

export async function saveLogin(
  env: NodeJS.ProcessEnv,
  apiUrl: string,
  login: SavedLogin,
): Promise<string> {
  const file = credentialsFile(env);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const all = parse(await readFile(file, 'utf8').catch(() => '{}'));
  all[apiUrl] = login;
  await writeFile(file, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return file;
}
