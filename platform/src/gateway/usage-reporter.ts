import { UsageTally, type UsageTallyRow } from '../usage/meter.ts';

/**
 * The gateway's meter: counts in memory and sends the tallies to the control
 * plane in batches. While no control plane answers, the counts wait (bounded)
 * and go with the next batch: a restart of the control plane loses none.
 */
export class UsageReporter {
  readonly #tally = new UsageTally();
  readonly #controlPlaneUrl: string;
  readonly #token: string;
  #timer: NodeJS.Timeout | undefined;
  #sending: Promise<void> | undefined;

  constructor(controlPlaneUrl: string, token: string) {
    this.#controlPlaneUrl = controlPlaneUrl;
    this.#token = token;
  }

  record(
    appId: string,
    ministryId: string,
    status: number,
    bytesIn: number,
    bytesOut: number,
    refused = false,
  ) {
    this.#tally.record(appId, ministryId, status, bytesIn, bytesOut, Date.now(), refused);
  }

  start(intervalMs: number): void {
    this.#timer = setInterval(() => void this.flush(), intervalMs);
    this.#timer.unref();
  }

  async flush(): Promise<void> {
    await this.#sending;
    const rows = this.#tally.drain();
    if (rows.length === 0) return;
    this.#sending = this.#send(rows).finally(() => {
      this.#sending = undefined;
    });
    await this.#sending;
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
  }

  async #send(rows: UsageTallyRow[]): Promise<void> {
    try {
      const res = await fetch(new URL('/internal/v1/usage', this.#controlPlaneUrl), {
        method: 'POST',
        headers: { authorization: `Bearer ${this.#token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ rows }),
        signal: AbortSignal.timeout(10_000),
      });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
    } catch {
      this.#tally.restore(rows);
    }
  }
}
