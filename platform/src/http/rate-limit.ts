/**
 * Fixed-window counters in memory, per key (usually a client IP). Good
 * enough to blunt brute force on one control plane; a cluster of them would
 * share counters through the database or a cache.
 */
export class FixedWindowLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #windows = new Map<string, { startedAt: number; count: number }>();

  constructor(limit: number, windowMs: number) {
    this.#limit = limit;
    this.#windowMs = windowMs;
  }

  /** Counts one event; says whether the key is now over its limit and for how long. */
  hit(key: string, now = Date.now()): { allowed: boolean; retryAfterSeconds: number } {
    const window = this.#current(key, now);
    window.count += 1;
    return this.#verdict(window, now);
  }

  /** Whether one more event would be over the limit, without counting it. */
  check(key: string, now = Date.now()): { allowed: boolean; retryAfterSeconds: number } {
    const window = this.#current(key, now);
    return this.#verdict({ ...window, count: window.count + 1 }, now);
  }

  #current(key: string, now: number) {
    let window = this.#windows.get(key);
    if (!window || now - window.startedAt >= this.#windowMs) {
      window = { startedAt: now, count: 0 };
      this.#windows.set(key, window);
      if (this.#windows.size > 10_000) this.#prune(now);
    }
    return window;
  }

  #verdict(window: { startedAt: number; count: number }, now: number) {
    return {
      allowed: window.count <= this.#limit,
      retryAfterSeconds: Math.max(1, Math.ceil((window.startedAt + this.#windowMs - now) / 1000)),
    };
  }

  #prune(now: number) {
    for (const [key, window] of this.#windows) {
      if (now - window.startedAt >= this.#windowMs) this.#windows.delete(key);
    }
  }
}
