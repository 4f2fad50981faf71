import type { EndpointResolver, RequestLogEntry } from '../drivers/driver.ts';

/** Records waiting to be sent at most: past it, new ones are counted, not kept. */
const MAX_PENDING = 5_000;

/**
 * The requests the gateway served, for each app's logs (`gov logs`): kept in
 * memory a moment, then handed to the driver in batches. Bounded: a flood
 * of requests costs a fixed amount of memory, and what could not be kept is
 * counted and said in the gateway's own log.
 */
export class RequestLog {
  readonly #resolver: EndpointResolver;
  readonly #log: (entry: Record<string, unknown>) => void;
  #pending: RequestLogEntry[] = [];
  #dropped = 0;
  #timer: NodeJS.Timeout | undefined;
  #sending: Promise<void> | undefined;

  constructor(resolver: EndpointResolver, log: (entry: Record<string, unknown>) => void) {
    this.#resolver = resolver;
    this.#log = log;
  }

  record(entry: RequestLogEntry): void {
    if (!this.#resolver.recordRequests) return;
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
    if (batch.length === 0 || !this.#resolver.recordRequests) return;
    this.#sending = this.#resolver
      .recordRequests(batch)
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
