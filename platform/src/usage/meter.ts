import { lt, sql } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import { usageMinutes } from '../db/schema/index.ts';

interface Tally {
  appId: string;
  ministryId: string;
  minute: Date;
  requests: number;
  errors: number;
  bytesIn: number;
  bytesOut: number;
}

/** Usage is kept at least 30 days; a little more so a month's report is always complete. */
export const USAGE_RETENTION_DAYS = 35;
const MINUTE_MS = 60_000;

/**
 * Counts citizen traffic per app per minute in memory and adds it to the
 * database in batches, so the gateway's hot path never waits on storage.
 * If the database is unreachable the tallies wait for the next flush.
 */
export class UsageMeter {
  readonly #db: Database;
  #pending = new Map<string, Tally>();
  #timer: NodeJS.Timeout | undefined;
  #lastPrune = 0;

  constructor(db: Database) {
    this.#db = db;
  }

  record(
    appId: string,
    ministryId: string,
    status: number,
    bytesIn: number,
    bytesOut: number,
    now = Date.now(),
  ) {
    const minute = new Date(Math.floor(now / MINUTE_MS) * MINUTE_MS);
    const key = `${appId}|${minute.getTime()}`;
    let tally = this.#pending.get(key);
    if (!tally) {
      tally = { appId, ministryId, minute, requests: 0, errors: 0, bytesIn: 0, bytesOut: 0 };
      this.#pending.set(key, tally);
    }
    tally.requests += 1;
    if (status >= 500) tally.errors += 1;
    tally.bytesIn += bytesIn;
    tally.bytesOut += bytesOut;
  }

  async flush(): Promise<void> {
    const batch = [...this.#pending.values()];
    this.#pending = new Map();
    try {
      for (const t of batch) {
        await this.#db
          .insert(usageMinutes)
          .values(t)
          .onConflictDoUpdate({
            target: [usageMinutes.appId, usageMinutes.minute],
            set: {
              requests: sql`${usageMinutes.requests} + ${t.requests}`,
              errors: sql`${usageMinutes.errors} + ${t.errors}`,
              bytesIn: sql`${usageMinutes.bytesIn} + ${t.bytesIn}`,
              bytesOut: sql`${usageMinutes.bytesOut} + ${t.bytesOut}`,
            },
          });
      }
      if (Date.now() - this.#lastPrune > 60 * MINUTE_MS) {
        this.#lastPrune = Date.now();
        const cutoff = new Date(Date.now() - USAGE_RETENTION_DAYS * 24 * 60 * MINUTE_MS);
        await this.#db.delete(usageMinutes).where(lt(usageMinutes.minute, cutoff));
      }
    } catch {
      // Keep what was not written for the next flush (a tally written twice is worse than late).
      for (const t of batch) {
        const key = `${t.appId}|${t.minute.getTime()}`;
        const current = this.#pending.get(key);
        if (!current) this.#pending.set(key, t);
        else {
          current.requests += t.requests;
          current.errors += t.errors;
          current.bytesIn += t.bytesIn;
          current.bytesOut += t.bytesOut;
        }
      }
    }
  }

  start(intervalMs: number): void {
    this.#timer = setInterval(() => void this.flush(), intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}
