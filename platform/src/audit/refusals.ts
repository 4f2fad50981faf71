import type { Database } from '../db/database.ts';
import { type AuditEntry, appendAudit } from './append.ts';

/** Refused attempts of one kind are written once, then counted for this long. */
const WINDOW_MS = 60_000;
/** Kinds tracked at once: beyond this, the oldest are written and forgotten. */
const MAX_KEYS = 10_000;

interface Pending {
  entry: AuditEntry;
  /** Attempts after the first, not written yet. */
  more: number;
  since: number;
}

/**
 * Refused attempts (bad or missing credentials, too little role, a probe of
 * another ministry, rate limits) are audited without letting an attacker
 * turn the audit log into a write amplifier: the first attempt of a kind
 * (same actor, action, source and answer) is written at once; repeats within
 * a minute are counted and written as one record when the minute ends.
 */
export class RefusalAggregator {
  readonly #db: Database;
  readonly #pending = new Map<string, Pending>();
  readonly #timer: NodeJS.Timeout;

  constructor(db: Database) {
    this.#db = db;
    this.#timer = setInterval(() => void this.flush(), WINDOW_MS / 4);
    this.#timer.unref();
  }

  /** Records one refused attempt; resolves once anything that had to be written is. */
  async record(entry: AuditEntry): Promise<void> {
    const details = entry.details ?? {};
    const key = [
      entry.actorId,
      entry.action,
      entry.sourceIp,
      entry.ministryId,
      details.status,
      details.errorCode,
    ].join('|');
    const pending = this.#pending.get(key);
    if (pending) {
      pending.more += 1;
      return;
    }
    if (this.#pending.size >= MAX_KEYS) await this.flush(true);
    this.#pending.set(key, { entry, more: 0, since: Date.now() });
    await appendAudit(this.#db, entry);
  }

  /** Writes the counts of windows that ended (all of them with `all`). */
  async flush(all = false): Promise<void> {
    const now = Date.now();
    for (const [key, pending] of this.#pending) {
      if (!all && now - pending.since < WINDOW_MS) continue;
      this.#pending.delete(key);
      if (pending.more === 0) continue;
      await appendAudit(this.#db, {
        ...pending.entry,
        details: {
          ...pending.entry.details,
          repeated: pending.more,
          from: new Date(pending.since).toISOString(),
          to: new Date(now).toISOString(),
        },
      }).catch(() => {
        // The database is away: the count is lost, never the request.
      });
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush(true);
  }
}
