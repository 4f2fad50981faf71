import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createScratchDatabase } from '../../platform/src/db/test-database.ts';
import { reapOrphans } from '../../platform/src/drivers/local/orphans.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface PlatformProcess {
  apiUrl: string;
  /** The development OpenID Provider this platform started. */
  issuer: string;
  gatewayPort: number;
  dataDir: string;
  token: string;
  /** Env for running the real `gov` CLI against this platform. */
  cliEnv: NodeJS.ProcessEnv;
  child: ChildProcess;
  /** Output the platform printed, for failure messages. */
  output: () => string;
  /** Stops gracefully (SIGTERM) or abruptly (SIGKILL); the data dir and database stay. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts the platform again on the same data dir and database. */
  restart(): Promise<PlatformProcess>;
  /** Stops and deletes everything this run created. */
  destroy(): Promise<void>;
}

/**
 * The platform as a user runs it (`npm start` without the demo), as a child
 * process on loopback ports picked by the OS, in a temporary data dir, on
 * PGlite, or on a scratch PostgreSQL database when DATABASE_URL is set.
 */
export async function startPlatformProcess(env: NodeJS.ProcessEnv = {}): Promise<PlatformProcess> {
  // Fixed for the life of this platform so a restart keeps the same URLs.
  const [apiPort, gatewayPort, idpPort] = [await freePort(), await freePort(), await freePort()];
  const dataDir = await mkdtemp(path.join(tmpdir(), 'gov-e2e-'));
  const scratch = process.env.DATABASE_URL
    ? await createScratchDatabase(process.env.DATABASE_URL)
    : undefined;
  const fullEnv: NodeJS.ProcessEnv = {
    ...process.env,
    GOV_DATA_DIR: dataDir,
    GOV_API_PORT: String(apiPort),
    GOV_GATEWAY_PORT: String(gatewayPort),
    GOV_DEV_IDP_PORT: String(idpPort),
    DATABASE_URL: scratch?.url,
    ...env,
  };
  if (!fullEnv.DATABASE_URL) delete fullEnv.DATABASE_URL;
  const launch = async (): Promise<PlatformProcess> => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(repoRoot, 'platform/src/bin/start.ts'), '--quiet'],
      { cwd: repoRoot, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let log = '';
    child.stderr?.on('data', (c: Buffer) => {
      log += c.toString();
    });
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const found: Record<string, string> = {};
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) =>
        reject(new Error(`platform exited (${code}) before it was ready:\n${log}`)),
      );
      lines.on('line', (line) => {
        log += `${line}\n`;
        const m = /^\s+(API|Citizen gateway|Sign-in):\s+(?:development provider at )?(\S+)/.exec(
          line,
        );
        if (m?.[1] && m[2]) found[m[1]] = m[2];
        if (line.startsWith('Press Ctrl+C')) resolve();
      });
    });
    const apiUrl = found.API ?? '';
    const token = (await readFile(path.join(dataDir, 'bootstrap-token'), 'utf8')).trim();
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    };
    return {
      apiUrl,
      issuer: found['Sign-in'] ?? '',
      gatewayPort,
      dataDir,
      token,
      cliEnv: { ...process.env, GOV_API_URL: apiUrl, GOV_TOKEN: token, GOV_DATA_DIR: dataDir },
      child,
      output: () => log,
      stop,
      restart: async () => {
        await stop();
        return launch();
      },
      destroy: async () => {
        await stop();
        // After a SIGKILL the platform could not stop its workerd children.
        await reapOrphans(path.join(dataDir, 'run'));
        await scratch?.drop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  };
  return launch();
}

/** A port the OS considers free right now on loopback. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Calls the platform API with the operator token. */
export async function api(
  p: Pick<PlatformProcess, 'apiUrl' | 'token'>,
  method: string,
  pathname: string,
  body?: unknown,
) {
  const res = await fetch(`${p.apiUrl}${pathname}`, {
    method,
    headers: { authorization: `Bearer ${p.token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON shapes.
  return { status: res.status, json: (await res.json().catch(() => undefined)) as any };
}
