import { readFile, rename, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { onOutputLines } from '@gov/runtime';
import { z } from 'zod';
import type { RouteTable } from './route-table.ts';

const routeSchema = z.object({
  ministry: z.string(),
  app: z.string(),
  appId: z.string(),
  ministryId: z.string(),
  maxRequestsPerMinute: z.number().int().min(0),
  liveDeploymentId: z.string().nullable(),
});
const snapshotSchema = z.object({ routes: z.array(routeSchema) });

/** No line (heartbeat or snapshot) for this long: the stream is dead, reconnect. */
const SILENCE_MS = 30_000;
const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5_000;
const MAX_SNAPSHOT_LINE = 64 * 1024 * 1024;

export interface RouteSubscriptionOptions {
  table: RouteTable;
  controlPlaneUrl: string;
  /** The gateway's capability for the control plane's internal routes. */
  token: string;
  /** Last snapshot on disk, so a gateway restarted while no control plane answers still routes. */
  cacheFile: string | undefined;
  log: (entry: Record<string, unknown>) => void;
}

/**
 * Keeps the gateway's route table current: a long-lived stream from the
 * control plane carries a full snapshot at every change (a version went
 * live, an app was deleted, a quota changed), so citizens are routed to a
 * new version as soon as it is live. If the stream breaks it reconnects with
 * backoff, and the table keeps its last snapshot meanwhile.
 */
export class RouteSubscription {
  readonly #options: RouteSubscriptionOptions;
  #request: http.ClientRequest | undefined;
  #reconnectMs = RECONNECT_MIN_MS;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #silenceTimer: NodeJS.Timeout | undefined;
  #waiters: Array<() => void> = [];
  #stopped = false;
  #snapshots = 0;
  connected = false;

  constructor(options: RouteSubscriptionOptions) {
    this.#options = options;
  }

  /** Loads the cached snapshot, connects, and resolves once routes are known (or after `waitMs`). */
  async start(waitMs = 10_000): Promise<void> {
    await this.#loadCache();
    this.#connect();
    if (this.#snapshots === 0) {
      // The wait and reconnect timers are unref'd, and before the gateway
      // listens nothing else holds the event loop: with no control plane
      // answering yet (pods start in any order) the process would exit 0
      // instead of serving. This timer holds it for the wait.
      const hold = setTimeout(() => {}, waitMs);
      await this.nextSnapshot(waitMs);
      clearTimeout(hold);
    }
  }

  /** Resolves at the next snapshot from the control plane, or after `timeoutMs` regardless. */
  nextSnapshot(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      timer.unref();
      this.#waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#reconnectTimer);
    clearTimeout(this.#silenceTimer);
    this.#request?.destroy();
    for (const w of this.#waiters.splice(0)) w();
  }

  #connect(): void {
    if (this.#stopped) return;
    const url = new URL('/internal/v1/routes', this.#options.controlPlaneUrl);
    const req = http.request(url, {
      headers: { authorization: `Bearer ${this.#options.token}`, accept: 'application/x-ndjson' },
    });
    this.#request = req;
    let failed = false;
    const fail = (why: string) => {
      if (failed) return;
      failed = true;
      this.connected = false;
      clearTimeout(this.#silenceTimer);
      req.destroy();
      if (!this.#stopped) {
        this.#options.log({ level: 'warn', component: 'gateway', message: `route stream: ${why}` });
        this.#reconnectTimer = setTimeout(() => this.#connect(), this.#reconnectMs);
        this.#reconnectTimer.unref();
        this.#reconnectMs = Math.min(RECONNECT_MAX_MS, this.#reconnectMs * 2);
      }
    };
    const heard = () => {
      clearTimeout(this.#silenceTimer);
      this.#silenceTimer = setTimeout(() => fail('the control plane went silent'), SILENCE_MS);
      this.#silenceTimer.unref();
    };
    req.on('response', (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return fail(`the control plane answered HTTP ${res.statusCode}`);
      }
      this.connected = true;
      this.#reconnectMs = RECONNECT_MIN_MS;
      heard();
      onOutputLines(
        res,
        (line) => {
          heard();
          this.#onLine(line);
        },
        MAX_SNAPSHOT_LINE,
      );
      res.on('end', () => fail('the control plane closed the stream'));
      res.on('error', (error) => fail(error.message));
    });
    req.on('error', (error) => fail(error.message));
    req.end();
  }

  #onLine(line: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return;
    }
    if ((parsed as { heartbeat?: unknown }).heartbeat) return;
    const snapshot = snapshotSchema.safeParse(parsed);
    if (!snapshot.success) return;
    this.#options.table.replace(snapshot.data.routes);
    this.#snapshots += 1;
    for (const w of this.#waiters.splice(0)) w();
    void this.#saveCache(line);
  }

  async #loadCache(): Promise<void> {
    if (!this.#options.cacheFile) return;
    const text = await readFile(this.#options.cacheFile, 'utf8').catch(() => undefined);
    const snapshot = text ? snapshotSchema.safeParse(safeJson(text)) : undefined;
    if (snapshot?.success) this.#options.table.replace(snapshot.data.routes);
  }

  async #saveCache(line: string): Promise<void> {
    const file = this.#options.cacheFile;
    if (!file) return;
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, line, { mode: 0o600 })
      .then(() => rename(tmp, file))
      .catch(() => {});
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
