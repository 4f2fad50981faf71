import { MAX_INT32 } from '@gov/contract';
import { lt, sql } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import { usageMinutes } from '../db/schema/index.ts';

/** Traffic of one app in one minute. */
export interface UsageTallyRow {
  appId: string;
  ministryId: string;
  /** Start of the minute, ISO 8601. */
  minute: string;
  requests: number;
  errors: number;
  /** Turned away by the gateway's rate quota (429): counted apart, never as requests. */
  rejected: number;
  bytesIn: number;
  bytesOut: number;
}

/** Usage is kept at least 30 days; a little more so a month's report is always complete. */
export const USAGE_RETENTION_DAYS = 35;
const MINUTE_MS = 60_000;
/** A gateway cut off from every control plane keeps at most this many tallies (a day of 100 apps). */
const MAX_PENDING = 150_000;

/**
 * Counts citizen traffic per app per minute in memory, so the gateway's hot
 * path never waits on storage; the counts are handed on in batches.
 */
export class UsageTally {
  #pending = new Map<string, UsageTallyRow>();

  record(
    appId: string,
    ministryId: string,
    status: number,
    bytesIn: number,
    bytesOut: number,
    now = Date.now(),
    /** The gateway refused it for the ministry's rate quota: a citizen turned away. */
    refused = false,
  ): void {
    const minute = new Date(Math.floor(now / MINUTE_MS) * MINUTE_MS).toISOString();
    const tally = this.#row(appId, ministryId, minute);
    if (refused) tally.rejected += 1;
    else tally.requests += 1;
    if (status >= 500) tally.errors += 1;
    tally.bytesIn += bytesIn;
    tally.bytesOut += bytesOut;
  }

  /** Takes everything counted so far. */
  drain(): UsageTallyRow[] {
    const rows = [...this.#pending.values()];
    this.#pending = new Map();
    return rows;
  }

  /** Puts back what could not be handed on, merged with what was counted since. */
  restore(rows: UsageTallyRow[]): void {
    for (const r of rows) {
      if (this.#pending.size >= MAX_PENDING) return;
      const tally = this.#row(r.appId, r.ministryId, r.minute);
      tally.requests += r.requests;
      tally.errors += r.errors;
      tally.rejected += r.rejected;
      tally.bytesIn += r.bytesIn;
      tally.bytesOut += r.bytesOut;
    }
  }

  #row(appId: string, ministryId: string, minute: string): UsageTallyRow {
    const key = `${appId}|${minute}`;
    let tally = this.#pending.get(key);
    if (!tally) {
      tally = {
        appId,
        ministryId,
        minute,
        requests: 0,
        errors: 0,
        rejected: 0,
        bytesIn: 0,
        bytesOut: 0,
      };
      this.#pending.set(key, tally);
    }
    return tally;
  }
}

/** Byte counters are read back as JavaScript numbers: exact up to here. */
const MAX_BYTES = Number.MAX_SAFE_INTEGER;

let lastPrune = 0;

/** Adds counted traffic to the database, and prunes what is past retention now and then. */
export async function addUsage(db: Database, rows: UsageTallyRow[]): Promise<void> {
  for (const t of rows) {
    await db
      .insert(usageMinutes)
      .values({ ...t, minute: new Date(t.minute) })
      .onConflictDoUpdate({
        target: [usageMinutes.appId, usageMinutes.minute],
        // Counters saturate at what their column holds, so a batch that would
        // overflow one is still stored: the gateway puts a refused batch back
        // and sends it again, so a failure here would repeat.
        set: {
          requests: sql`least(${usageMinutes.requests}::bigint + ${t.requests}, ${MAX_INT32})`,
          errors: sql`least(${usageMinutes.errors}::bigint + ${t.errors}, ${MAX_INT32})`,
          rejected: sql`least(${usageMinutes.rejected}::bigint + ${t.rejected}, ${MAX_INT32})`,
          bytesIn: sql`least(${usageMinutes.bytesIn}::numeric + ${t.bytesIn}, ${MAX_BYTES})`,
          bytesOut: sql`least(${usageMinutes.bytesOut}::numeric + ${t.bytesOut}, ${MAX_BYTES})`,
        },
      });
  }
  if (Date.now() - lastPrune > 60 * MINUTE_MS) {
    lastPrune = Date.now();
    const cutoff = new Date(Date.now() - USAGE_RETENTION_DAYS * 24 * 60 * MINUTE_MS);
    await db.delete(usageMinutes).where(lt(usageMinutes.minute, cutoff));
  }
}
