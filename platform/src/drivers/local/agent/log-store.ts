import { appendFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { AppLogEntry } from '@gov/contract';

import type { LogQuery } from '../../driver.ts';

const MAX_MESSAGE_CHARS = 8 * 1024;
/** What one app may keep a day: past it, lines are counted, not kept, until the next day. */
export const MAX_BYTES_PER_APP_DAY = 20 * 1024 * 1024;
/** Recent lines kept in memory per app, so a follow reads no file. */
const TAIL_LINES = 2_000;
const DAY_MS = 24 * 60 * 60_000;
/** Lines a reader gets at most in one answer. */
export const MAX_LOG_LINES = 1_000;

/**
 * Each app's logs on this machine: one JSON line per entry in
 * `<dir>/<appId>/<day>.jsonl` (0600, under the platform's data directory),
 * never mixed between apps, and deleted after `retentionDays`. What an app
 * may write is bounded before it gets here (the log budget per version);
 * each kept line is cut to 8 KiB.
 */
export class AppLogStore {
  readonly #dir: string;
  readonly #retentionDays: number;
  #counter = 0;
  /** Appends per app, in order: a file is written by one append at a time. */
  readonly #queues = new Map<string, Promise<void>>();
  readonly #tails = new Map<string, AppLogEntry[]>();
  /** Bytes kept today per app (`<appId>/<day>`), and lines refused past the daily cap. */
  readonly #written = new Map<string, { bytes: number; dropped: number }>();

  constructor(dir: string, retentionDays: number) {
    this.#dir = dir;
    this.#retentionDays = retentionDays;
  }

  /** A sortable id: arrival time first, then a counter for lines of the same millisecond. */
  #nextId(ms: number): string {
    this.#counter = (this.#counter + 1) % 1_000_000;
    return `${String(ms).padStart(13, '0')}-${String(this.#counter).padStart(6, '0')}`;
  }

  add(appId: string, entry: Omit<AppLogEntry, 'id' | 'at'> & { at?: Date }): void {
    if (!/^app_[A-Za-z0-9_]+$/.test(appId)) return;
    const at = entry.at ?? new Date();
    const { at: _at, ...rest } = entry;
    const line: AppLogEntry = {
      // Ordered by arrival, not by when it happened: a request's line comes
      // after the lines its handler printed, and a follow must not miss it.
      id: this.#nextId(Date.now()),
      at: at.toISOString(),
      ...rest,
      message: rest.message.slice(0, MAX_MESSAGE_CHARS),
    };
    const text = `${JSON.stringify(line)}\n`;
    const dayKey = `${appId}/${line.at.slice(0, 10)}`;
    const today = this.#written.get(dayKey) ?? { bytes: 0, dropped: 0 };
    this.#written.set(dayKey, today);
    if (today.bytes + text.length > MAX_BYTES_PER_APP_DAY) {
      today.dropped += 1;
      return;
    }
    today.bytes += text.length;
    const tail = this.#tails.get(appId) ?? [];
    tail.push(line);
    if (tail.length > TAIL_LINES) tail.splice(0, tail.length - TAIL_LINES);
    this.#tails.set(appId, tail);
    const file = path.join(this.#dir, appId, `${line.at.slice(0, 10)}.jsonl`);
    const previous = this.#queues.get(appId) ?? Promise.resolve();
    const next = previous
      .then(() => mkdir(path.dirname(file), { recursive: true, mode: 0o700 }))
      .then(() => appendFile(file, text, { mode: 0o600 }))
      .catch(() => {});
    this.#queues.set(appId, next);
  }

  /** Resolves once every line added so far is on disk: call it before the folder goes away. */
  async flush(): Promise<void> {
    await Promise.all(this.#queues.values());
  }

  /** Lines refused today for an app past its daily cap, for a report. */
  droppedToday(appId: string): number {
    return this.#written.get(`${appId}/${new Date().toISOString().slice(0, 10)}`)?.dropped ?? 0;
  }

  /** Lines of one app, oldest first, within the query; waits for the lines already added. */
  async read(query: LogQuery): Promise<AppLogEntry[]> {
    await this.#queues.get(query.appId);
    const limit = Math.min(query.limit ?? MAX_LOG_LINES, MAX_LOG_LINES);
    // A follow asks for what came after a recent line: the tail in memory has it.
    const tail = this.#tails.get(query.appId) ?? [];
    const oldest = tail[0];
    if (query.after !== undefined && oldest && oldest.id <= query.after) {
      return tail.filter((e) => e.id > (query.after ?? '')).slice(0, limit);
    }
    const appDir = path.join(this.#dir, query.appId);
    const since = query.sinceMs ?? Date.now() - this.#retentionDays * DAY_MS;
    const days = (await readdir(appDir).catch(() => [] as string[]))
      .filter((f) => /^\d{4}-\d{2}-\d{2}\.jsonl$/.test(f))
      .filter((f) => f.slice(0, 10) >= new Date(since).toISOString().slice(0, 10))
      .sort();
    const out: AppLogEntry[] = [];
    for (const day of days) {
      const text = await readFile(path.join(appDir, day), 'utf8').catch(() => '');
      for (const raw of text.split('\n')) {
        if (!raw) continue;
        let entry: AppLogEntry;
        try {
          entry = JSON.parse(raw) as AppLogEntry;
        } catch {
          continue;
        }
        if (query.after !== undefined && entry.id <= query.after) continue;
        if (Date.parse(entry.at) < since) continue;
        out.push(entry);
      }
    }
    // A follow catches up from its id, oldest first; a look back gets the newest lines.
    return query.after !== undefined ? out.slice(0, limit) : out.slice(-limit);
  }

  /** Deletes days past the retention period; apps deleted long ago leave nothing. */
  async prune(now = Date.now()): Promise<void> {
    const oldest = new Date(now - this.#retentionDays * DAY_MS).toISOString().slice(0, 10);
    for (const app of await readdir(this.#dir).catch(() => [] as string[])) {
      const appDir = path.join(this.#dir, app);
      for (const day of await readdir(appDir).catch(() => [] as string[])) {
        if (day.slice(0, 10) < oldest) await rm(path.join(appDir, day), { force: true });
      }
    }
  }
}
