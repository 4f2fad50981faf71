import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createScratchDatabase } from '../../platform/src/db/test-database.ts';
import { reapStrayWorkerd } from '../../platform/src/drivers/local/agent/strays.ts';
import { agentSocketPath, LocalDriver } from '../../platform/src/drivers/local/local-driver.ts';
import { pickFreePort } from '../../platform/src/net/free-port.ts';

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
  /** The platform's own PostgreSQL database (a scratch one), undefined on PGlite. */
  databaseUrl: string | undefined;
  child: ChildProcess;
  /** Output the platform printed, for failure messages. */
  output: () => string;
  /** Pids of the platform's processes, as the launcher records them (`run/processes.json`). */
  processes(): Promise<{ launcher: number; controlPlane: number; gateway: number }>;
  /** Pids of a version's workerd processes, through the local agent's documented test hook. */
  pidsOf(deploymentId: string): Promise<number[]>;
  /** Where a version's instances listen (loopback ports), as the gateway sees them. */
  endpointsOf(deploymentId: string): Promise<Array<{ host: string; port: number }>>;
  /**
   * Stops the control plane alone (the launcher starts it again) and waits
   * until a new one answers: apps and gateway are not touched.
   */
  restartControlPlane(signal: 'SIGTERM' | 'SIGKILL'): Promise<void>;
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
  const [apiPort, gatewayPort, idpPort] = [
    await pickFreePort(),
    await pickFreePort(),
    await pickFreePort(),
  ];
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
    const processes = async () =>
      JSON.parse(await readFile(path.join(dataDir, 'run', 'processes.json'), 'utf8')) as {
        launcher: number;
        controlPlane: number;
        gateway: number;
      };
    return {
      apiUrl,
      issuer: found['Sign-in'] ?? '',
      processes,
      async pidsOf(deploymentId) {
        const driver = new LocalDriver({ socketPath: agentSocketPath(dataDir) });
        try {
          return await driver.pidsOf(deploymentId);
        } finally {
          await driver.close();
        }
      },
      async endpointsOf(deploymentId) {
        const driver = new LocalDriver({ socketPath: agentSocketPath(dataDir) });
        try {
          return await driver.endpoints(deploymentId);
        } finally {
          await driver.close();
        }
      },
      async restartControlPlane(signal) {
        const before = (await processes()).controlPlane;
        process.kill(before, signal);
        const deadline = Date.now() + 60_000;
        for (;;) {
          const now = await processes().catch(() => undefined);
          const ready = await fetch(`${apiUrl}/readyz`).then(
            (r) => r.ok,
            () => false,
          );
          if (now && now.controlPlane !== before && ready) return;
          if (Date.now() > deadline)
            throw new Error(`the control plane did not come back:\n${log}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      },
      gatewayPort,
      dataDir,
      token,
      cliEnv: {
        ...process.env,
        GOV_API_URL: apiUrl,
        GOV_TOKEN: token,
        GOV_DATA_DIR: dataDir,
        // What the CLI remembers (audit heads it saw) stays with this run, not in ~/.config.
        XDG_CONFIG_HOME: path.join(dataDir, 'cli-config'),
      },
      databaseUrl: fullEnv.DATABASE_URL,
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
        await reapStrayWorkerd(path.join(dataDir, 'run'));
        await scratch?.drop();
        await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
      },
    };
  };
  return launch();
}

/** Calls the platform API with the operator token. */
export async function api(
  p: Pick<PlatformProcess, 'apiUrl' | 'token'>,
  method: string,
  pathname: string,
  body?: unknown,
) {
  const send = () =>
    fetch(`${p.apiUrl}${pathname}`, {
      method,
      headers: { authorization: `Bearer ${p.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  // A GET may meet a control plane that a fault scenario is restarting: ask again.
  let res: Response | undefined;
  for (let attempt = 0; !res; attempt++) {
    try {
      res = await send();
    } catch (error) {
      if (method !== 'GET' || attempt >= 100) throw error;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON shapes.
  return { status: res.status, json: (await res.json().catch(() => undefined)) as any };
}
