import type { AppLogEntry } from '@gov/contract';
import { and, asc, desc, eq, gt, gte, lt } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import { appLogLines } from '../db/schema/index.ts';
import type { LogQuery, RequestLogEntry } from '../drivers/driver.ts';
import { logLineId } from '../drivers/kubernetes/pod-logs.ts';
import { requestLine } from './request-line.ts';

/** Lines a reader gets at most in one answer, as on the embedded default. */
const MAX_LOG_LINES = 1_000;
const MAX_MESSAGE_CHARS = 8 * 1024;
/** Rows per insert: a burst of lines is a few statements, not one huge one. */
const BATCH = 500;
const DAY_MS = 24 * 60 * 60_000;

/** PostgreSQL's foreign_key_violation, as the postgres driver and PGlite report it. */
function foreignKeyViolation(error: unknown): boolean {
  const code = (error as { code?: unknown; cause?: { code?: unknown } } | null)?.code;
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  return code === '23503' || cause === '23503';
}

/**
 * A cluster's app logs, in the platform's database (table app_log_lines):
 * what the collector read from the pods, and the requests the gateways
 * served. Read with the embedded default's semantics: a follow catches up
 * from its id, oldest first; a look back gets the newest lines.
 */
export class ClusterLogStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Keeps lines of one app; a line already kept (same id) is kept once. */
  async add(appId: string, entries: AppLogEntry[]): Promise<void> {
    for (let i = 0; i < entries.length; i += BATCH) {
      const rows = entries.slice(i, i + BATCH).map((e) => ({
        appId,
        lineId: e.id,
        deploymentId: e.deploymentId,
        at: new Date(e.at),
        kind: e.kind,
        stream: e.stream ?? null,
        message: e.message.slice(0, MAX_MESSAGE_CHARS),
        request: e.request ?? null,
      }));
      try {
        await this.#db.insert(appLogLines).values(rows).onConflictDoNothing();
      } catch (error) {
        // An app deleted while its pods still ran: its lines go with it, the others' are kept.
        if (foreignKeyViolation(error)) return;
        throw error;
      }
    }
  }

  /** The gateway's request records, as request lines of each app's logs. */
  async addRequests(entries: RequestLogEntry[]): Promise<void> {
    const byApp = new Map<string, AppLogEntry[]>();
    for (const e of entries) {
      const id = logLineId(e.at, e.deploymentId, e.requestId);
      if (!id) continue;
      const lines = byApp.get(e.appId) ?? [];
      lines.push({ id, at: new Date(e.at).toISOString(), ...requestLine(e) });
      byApp.set(e.appId, lines);
    }
    for (const [appId, lines] of byApp) await this.add(appId, lines);
  }

  async read(query: LogQuery): Promise<AppLogEntry[]> {
    const limit = Math.min(query.limit ?? MAX_LOG_LINES, MAX_LOG_LINES);
    const since = query.sinceMs === undefined ? [] : [gte(appLogLines.at, new Date(query.sinceMs))];
    const rows =
      query.after !== undefined
        ? await this.#db
            .select()
            .from(appLogLines)
            .where(
              and(
                eq(appLogLines.appId, query.appId),
                gt(appLogLines.lineId, query.after),
                ...since,
              ),
            )
            .orderBy(asc(appLogLines.lineId))
            .limit(limit)
        : (
            await this.#db
              .select()
              .from(appLogLines)
              .where(and(eq(appLogLines.appId, query.appId), ...since))
              .orderBy(desc(appLogLines.lineId))
              .limit(limit)
          ).reverse();
    return rows.map((r) => ({
      id: r.lineId,
      at: r.at.toISOString(),
      deploymentId: r.deploymentId,
      kind: r.kind,
      ...(r.stream ? { stream: r.stream } : {}),
      message: r.message,
      ...(r.request ? { request: r.request } : {}),
    }));
  }

  /** Deletes lines older than the retention period. */
  async prune(retentionDays: number, now = Date.now()): Promise<void> {
    await this.#db
      .delete(appLogLines)
      .where(lt(appLogLines.at, new Date(now - retentionDays * DAY_MS)));
  }
}
