import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { type LogLine, WorkerProcess, writeStorageConfig } from '@gov/runtime';
import { pickFreePort } from '../../../net/free-port.ts';
import { StorageClient } from '../../../storage/storage-client.ts';

export type { StorageUsage } from '../../../storage/storage-client.ts';

export interface StorageServiceOptions {
  /** The service's own folder under the agent's run directory: its config and keys. */
  runDir: string;
  /** Where every app's data lives (SQLite files), under the platform's data directory. */
  dataDir: string;
  log?: (entry: Record<string, unknown>) => void;
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
  /** Capabilities and admin calls: see storage-client.ts. */
  readonly client: StorageClient;
  readonly #options: StorageServiceOptions;
  readonly #keys = {
    capabilityKey: randomBytes(32).toString('hex'),
    adminKey: randomBytes(32).toString('hex'),
  };
  #process: WorkerProcess | undefined;
  #stopping = false;
  #restartMs = RESTART_MIN_MS;
  #restartTimer: NodeJS.Timeout | undefined;

  private constructor(options: StorageServiceOptions, address: string) {
    this.#options = options;
    this.address = address;
    this.client = new StorageClient(`http://${address}`, this.#keys);
  }

  static async start(options: StorageServiceOptions): Promise<StorageService> {
    const address = `127.0.0.1:${await pickFreePort('127.0.0.1')}`;
    const service = new StorageService(options, address);
    await service.#launch();
    return service;
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    await this.#process?.stop();
  }

  async #launch(): Promise<void> {
    const configPath = await writeStorageConfig(
      {
        dataDir: this.#options.dataDir,
        listenAddress: this.address,
        ...this.#keys,
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
