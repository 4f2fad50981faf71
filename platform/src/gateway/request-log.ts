import { z } from 'zod';
import type { RequestLogEntry } from '../drivers/driver.ts';

/** A batch of request records as a gateway sends it (to the local agent, or the control plane). */
export const requestLogBatchSchema = z.object({
  entries: z
    .array(
      z.object({
        appId: z.string().regex(/^app_[A-Za-z0-9_]+$/),
        deploymentId: z.string().regex(/^dep_[a-z2-7]+$/),
        at: z.string().datetime(),
        method: z.string().max(16),
        path: z.string().max(2048),
        status: z.number().int().min(0).max(999),
        durationMs: z.number().int().min(0),
        requestId: z.string().max(64),
      }),
    )
    .max(5000),
});

/** Where request records go: the local agent, or the control plane on a cluster. */
export type RequestLogSink = (entries: RequestLogEntry[]) => Promise<void>;

/** Records waiting to be sent at most: past it, new ones are counted, not kept. */
const MAX_PENDING = 5_000;

/**
 * The requests the gateway served, for each app's logs (`gov logs`): kept in
 * memory a moment, then handed on in batches (to the local agent, or to
 * the control plane, which keeps a cluster's logs). Bounded: a flood
 * of requests costs a fixed amount of memory, and what could not be kept is
 * counted and said in the gateway's own log.
 */
export class RequestLog {
  readonly #sink: RequestLogSink | undefined;
  readonly #log: (entry: Record<string, unknown>) => void;
  #pending: RequestLogEntry[] = [];
  #dropped = 0;
  #timer: NodeJS.Timeout | undefined;
  #sending: Promise<void> | undefined;

  constructor(sink: RequestLogSink | undefined, log: (entry: Record<string, unknown>) => void) {
    this.#sink = sink;
    this.#log = log;
  }

  record(entry: RequestLogEntry): void {
    if (!this.#sink) return;
    if (this.#pending.length >= MAX_PENDING) {
      this.#dropped += 1;
      return;
    }
    this.#pending.push(entry);
  }

  start(intervalMs: number): void {
    this.#timer = setInterval(() => void this.flush(), intervalMs);
    this.#timer.unref();
  }

  async flush(): Promise<void> {
    await this.#sending;
    const batch = this.#pending.splice(0);
    if (this.#dropped > 0) {
      this.#log({
        level: 'warn',
        component: 'gateway',
        message: `${this.#dropped} request record(s) not kept for app logs: too many at once`,
      });
      this.#dropped = 0;
    }
    if (batch.length === 0 || !this.#sink) return;
    this.#sending = this.#sink(batch)
      .catch((error: Error) =>
        this.#log({
          level: 'warn',
          component: 'gateway',
          message: `request records not kept: ${error.message}`,
        }),
      )
      .finally(() => {
        this.#sending = undefined;
      });
    await this.#sending;
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }
}

/** A cluster's gateway hands its request records to the control plane, which keeps the logs. */
export function controlPlaneRequestLog(controlPlaneUrl: string, token: string): RequestLogSink {
  return async (entries) => {
    const res = await fetch(new URL('/internal/v1/request-logs', controlPlaneUrl), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ entries }),
      signal: AbortSignal.timeout(10_000),
    });
    await res.body?.cancel();
    if (!res.ok) throw new Error(`the control plane answered HTTP ${res.status}`);
  };
}
