import type { AppLogEntry } from '@gov/contract';
import type { ClusterLogStore } from './cluster-log-store.ts';

const PRUNE_EVERY_MS = 60 * 60_000;

/**
 * The leader's loop that keeps a cluster's app logs: every few seconds it
 * takes what the apps' pods wrote since (the driver reads the kubelet's
 * logs) into the database, and once an hour drops what is past the
 * retention period. A pass that fails is logged and the next one catches
 * up: lines are keyed, so nothing is kept twice.
 */
export class ClusterLogCollector {
  readonly #source: () => Promise<Array<{ appId: string; entries: AppLogEntry[] }>>;
  readonly #store: ClusterLogStore;
  readonly #retentionDays: number;
  readonly #log: (entry: Record<string, unknown>) => void;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #prunedAt = 0;
  #stopped = false;

  constructor(options: {
    source: () => Promise<Array<{ appId: string; entries: AppLogEntry[] }>>;
    store: ClusterLogStore;
    retentionDays: number;
    log: (entry: Record<string, unknown>) => void;
  }) {
    this.#source = options.source;
    this.#store = options.store;
    this.#retentionDays = options.retentionDays;
    this.#log = options.log;
  }

  start(intervalMs = 2_000): void {
    const tick = () => {
      if (this.#stopped) return;
      this.#running = this.collect().finally(() => {
        this.#running = undefined;
        if (!this.#stopped) this.#timer = setTimeout(tick, intervalMs).unref();
      });
    };
    tick();
  }

  /** One pass: new lines into the store, and the hourly prune. */
  async collect(): Promise<void> {
    try {
      for (const { appId, entries } of await this.#source()) {
        if (entries.length > 0) await this.#store.add(appId, entries);
      }
      if (Date.now() - this.#prunedAt >= PRUNE_EVERY_MS) {
        await this.#store.prune(this.#retentionDays);
        this.#prunedAt = Date.now();
      }
    } catch (error) {
      this.#log({
        level: 'warn',
        component: 'logs',
        message: `app logs not collected this time: ${(error as Error).message}`,
      });
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }
}
