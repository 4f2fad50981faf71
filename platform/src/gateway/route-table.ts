import { eq } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import { apps, ministries, quotas } from '../db/schema/index.ts';

export interface CitizenRoute {
  appId: string;
  ministryId: string;
  /** The ministry's quota, applied per app by the gateway. */
  maxRequestsPerMinute: number;
  /** Null while the app has never had a working version. */
  liveDeploymentId: string | null;
}

/**
 * Host → live version, held in memory. It is refreshed when the reconciler
 * switches a version and periodically; when the database is unreachable the
 * last good table keeps serving, so citizens are not affected by a control
 * plane or database outage.
 */
/** Matches the quota table's default, for a ministry whose quota row is missing. */
const DEFAULT_REQUESTS_PER_MINUTE = 6000;

export class RouteTable {
  readonly #db: Database;
  #routes = new Map<string, CitizenRoute>();
  #timer: NodeJS.Timeout | undefined;
  #lastError: string | undefined;

  constructor(db: Database) {
    this.#db = db;
  }

  lookup(ministry: string, app: string): CitizenRoute | undefined {
    return this.#routes.get(`${app}.${ministry}`);
  }

  get lastError(): string | undefined {
    return this.#lastError;
  }

  async refresh(): Promise<void> {
    const rows = await this.#db
      .select({
        app: apps.name,
        ministry: ministries.name,
        appId: apps.id,
        ministryId: apps.ministryId,
        liveDeploymentId: apps.liveDeploymentId,
        maxRequestsPerMinute: quotas.maxRequestsPerMinutePerApp,
      })
      .from(apps)
      .innerJoin(ministries, eq(apps.ministryId, ministries.id))
      .leftJoin(quotas, eq(quotas.ministryId, apps.ministryId));
    const next = new Map<string, CitizenRoute>();
    for (const r of rows) {
      next.set(`${r.app}.${r.ministry}`, {
        appId: r.appId,
        ministryId: r.ministryId,
        liveDeploymentId: r.liveDeploymentId,
        maxRequestsPerMinute: r.maxRequestsPerMinute ?? DEFAULT_REQUESTS_PER_MINUTE,
      });
    }
    this.#routes = next;
    this.#lastError = undefined;
  }

  /** Keeps the table fresh; a failed refresh keeps the previous table. */
  start(intervalMs: number): void {
    this.#timer = setInterval(() => {
      this.refresh().catch((error: Error) => {
        this.#lastError = error.message;
      });
    }, intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
