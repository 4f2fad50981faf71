import { type StorageKeys, storageCapability } from '@gov/runtime';
import type { SqlAnswer, SqlRequest } from '../drivers/driver.ts';
import { hostPort } from '../net/host-port.ts';

/** Ministry usage as the storage service counts it. */
export interface StorageUsage {
  limit: number;
  used: number;
  apps: Array<{ app: string; bytes: number }>;
}

/**
 * The platform's side of a storage service (runtime/src/storage): the
 * capabilities it gives app instances, and its admin calls (quota limits,
 * usage, a developer's SQL). The same for the embedded default's service
 * on loopback and for the storage StatefulSet on a cluster.
 */
export class StorageClient {
  /** Where the service listens, as `http://host:port`. */
  readonly url: string;
  readonly #keys: StorageKeys;

  constructor(url: string, keys: StorageKeys) {
    this.url = url.replace(/\/+$/, '');
    this.#keys = keys;
  }

  /** `host:port`, as app instances' configs name the service. */
  get address(): string {
    return hostPort(this.url);
  }

  /** What an app's instances present: it names that app and ministry and no other. */
  capabilityFor(ministryId: string, appId: string): string {
    return storageCapability(this.#keys.capabilityKey, ministryId, appId);
  }

  /** The ministry's KV quota, as the storage service enforces it (kept across its restarts). */
  async setLimit(ministryId: string, kvBytes: number): Promise<void> {
    await this.#admin('PUT', `/admin/ministries/${ministryId}/limit`, { kvBytes });
  }

  async usage(ministryId: string): Promise<StorageUsage> {
    return (await this.#admin('GET', `/admin/ministries/${ministryId}/usage`)) as StorageUsage;
  }

  /** Runs SQL in an app's D1 database; the status and body are the service's own. */
  async executeSqlRaw(request: SqlRequest): Promise<{ status: number; body: unknown }> {
    const res = await fetch(
      `${this.url}/admin/d1/${request.ministryId}/${request.appId}/${request.binding}?op=${request.mode}`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.#keys.adminKey}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ sql: request.sql, params: [] }),
        signal: AbortSignal.timeout(60_000),
      },
    );
    return { status: res.status, body: await res.json().catch(() => ({})) };
  }

  /**
   * The same, as a driver answers it: the database's own refusal (a syntax
   * error, a full quota) becomes a `sql_error` for the user to fix; anything
   * else is the platform's outage.
   */
  async executeSql(request: SqlRequest): Promise<SqlAnswer> {
    const { status, body } = await this.executeSqlRaw(request);
    const message = (body as { error?: { message?: unknown } })?.error?.message;
    if (status === 400 || status === 413) {
      throw Object.assign(new Error(String(message ?? 'refused')), { code: 'sql_error' as const });
    }
    if (status !== 200) {
      throw new Error(`the storage service could not run the SQL (HTTP ${status})`);
    }
    return body as SqlAnswer;
  }

  async #admin(method: string, pathname: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.url}${pathname}`, {
      method,
      headers: {
        authorization: `Bearer ${this.#keys.adminKey}`,
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
}
