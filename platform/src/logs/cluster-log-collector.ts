import type { CollectedLogs } from '../drivers/driver.ts';
import { MAX_BYTES_PER_APP_DAY } from '../drivers/local/agent/log-store.ts';
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
  readonly #source: () => Promise<CollectedLogs>;
  /** Bytes kept today per app (`<appId>/<day>`), and lines refused past the daily cap. */
  readonly #today = new Map<string, { bytes: number; dropped: number }>();
  readonly #store: ClusterLogStore;
  readonly #retentionDays: number;
  readonly #log: (entry: Record<string, unknown>) => void;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #prunedAt = 0;
  #stopped = false;

  constructor(options: {
    source: () => Promise<CollectedLogs>;
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
      const collected = await this.#source();
      for (const { appId, entries } of collected.apps) {
        const kept = entries.filter((e) => this.#withinDay(appId, e.at, e.message.length));
        if (kept.length > 0) await this.#store.add(appId, kept);
      }
      collected.commit();
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

  /**
   * The embedded default's cap, per app and day (counted by this leader):
   * an app that floods its output keeps 20 MiB of it a day, the rest is
   * counted and said once in the platform's log.
   */
  #withinDay(appId: string, at: string, bytes: number): boolean {
    const key = `${appId}/${at.slice(0, 10)}`;
    const day = this.#today.get(key) ?? { bytes: 0, dropped: 0 };
    this.#today.set(key, day);
    if (this.#today.size > 10_000) this.#today.clear();
    if (day.bytes + bytes > MAX_BYTES_PER_APP_DAY) {
      if (day.dropped === 0) {
        this.#log({
          level: 'warn',
          component: 'logs',
          message: `app ${appId} wrote more than its daily share of logs; the rest of the day is not kept`,
        });
      }
      day.dropped += 1;
      return false;
    }
    day.bytes += bytes;
    return true;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }
}
