import { createHmac, randomBytes } from 'node:crypto';
import path from 'node:path';
import { type LogLine, WorkerProcess, writeStorageConfig } from '@gov/runtime';
import { pickFreePort } from '../../../net/free-port.ts';

export interface StorageServiceOptions {
  /** The service's own folder under the agent's run directory: its config and keys. */
  runDir: string;
  /** Where every app's data lives (SQLite files), under the platform's data directory. */
  dataDir: string;
  log?: (entry: Record<string, unknown>) => void;
}

/** Ministry usage as the storage service counts it. */
export interface StorageUsage {
  limit: number;
  used: number;
  apps: Array<{ app: string; bytes: number }>;
}

const RESTART_MIN_MS = 250;
const RESTART_MAX_MS = 5_000;

/**
 * The storage service of the embedded default: one workerd process beside
 * the apps, holding every app's KV data in SQLite under the data directory.
 * It keeps one loopback port for its whole life (app instances have the
 * address in their config) and is started again if it exits. Its keys live
 * in memory and in its own 0600 config; they change when the agent restarts,
 * as every app instance does then too.
 */
export class StorageService {
  readonly address: string;
  readonly #options: StorageServiceOptions;
  readonly #capabilityKey = randomBytes(32).toString('hex');
  readonly #adminKey = randomBytes(32).toString('hex');
  #process: WorkerProcess | undefined;
  #stopping = false;
  #restartMs = RESTART_MIN_MS;
  #restartTimer: NodeJS.Timeout | undefined;

  private constructor(options: StorageServiceOptions, address: string) {
    this.#options = options;
    this.address = address;
  }

  static async start(options: StorageServiceOptions): Promise<StorageService> {
    const address = `127.0.0.1:${await pickFreePort('127.0.0.1')}`;
    const service = new StorageService(options, address);
    await service.#launch();
    return service;
  }

  /** What an app's instances present: it names that app and ministry and no other. */
  capabilityFor(ministryId: string, appId: string): string {
    return createHmac('sha256', this.#capabilityKey)
      .update(`storage:${ministryId}:${appId}`)
      .digest('hex');
  }

  /** The ministry's KV quota, as the storage service enforces it (kept across its restarts). */
  async setLimit(ministryId: string, kvBytes: number): Promise<void> {
    await this.#admin('PUT', `/admin/ministries/${ministryId}/limit`, { kvBytes });
  }

  /** Runs SQL in an app's D1 database; the status and body are the service's own. */
  async executeSql(request: {
    ministryId: string;
    appId: string;
    binding: string;
    sql: string;
    mode: 'exec' | 'query';
  }): Promise<{ status: number; body: unknown }> {
    const res = await fetch(
      `http://${this.address}/admin/d1/${request.ministryId}/${request.appId}/${request.binding}?op=${request.mode}`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${this.#adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ sql: request.sql, params: [] }),
        signal: AbortSignal.timeout(60_000),
      },
    );
    return { status: res.status, body: await res.json().catch(() => ({})) };
  }

  async usage(ministryId: string): Promise<StorageUsage> {
    return (await this.#admin('GET', `/admin/ministries/${ministryId}/usage`)) as StorageUsage;
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    await this.#process?.stop();
  }

  async #admin(method: string, pathname: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`http://${this.address}${pathname}`, {
      method,
      headers: {
        authorization: `Bearer ${this.#adminKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const answer = await res.json().catch(() => undefined);
    if (!res.ok) {
      throw new Error(`the storage service answered ${method} ${pathname} with HTTP ${res.status}`);
    }
    return answer;
  }

  async #launch(): Promise<void> {
    const configPath = await writeStorageConfig(
      {
        dataDir: this.#options.dataDir,
        listenAddress: this.address,
        capabilityKey: this.#capabilityKey,
        adminKey: this.#adminKey,
      },
      this.#options.runDir,
    );
    const child = new WorkerProcess({
      configPath,
      startTimeoutMs: 15_000,
      dieWithParent: true,
      hidePaths: [this.#options.runDir],
      onLog: (line: LogLine) =>
        this.#options.log?.({
          level: 'warn',
          component: 'storage',
          stream: line.stream,
          message: line.line,
        }),
    });
    this.#process = child;
    await child.start();
    this.#restartMs = RESTART_MIN_MS;
    void child.exited.then((code: number | null) => {
      if (this.#stopping || this.#process !== child) return;
      this.#options.log?.({
        level: 'error',
        component: 'storage',
        message: `the storage service exited (code ${code}); starting it again`,
      });
      this.#scheduleRestart();
    });
  }

  #scheduleRestart(): void {
    this.#restartTimer = setTimeout(() => {
      this.#launch().catch((error: Error) => {
        this.#options.log?.({
          level: 'error',
          component: 'storage',
          message: `the storage service did not start: ${error.message}`,
        });
        this.#restartMs = Math.min(RESTART_MAX_MS, this.#restartMs * 2);
        this.#scheduleRestart();
      });
    }, this.#restartMs);
    this.#restartTimer.unref();
  }
}

/** Where the embedded default keeps app data: `<data dir>/storage`. */
export const storageDataDir = (dataDir: string) => path.join(dataDir, 'storage');
