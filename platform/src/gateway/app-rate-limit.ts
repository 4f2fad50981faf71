/**
 * Requests per minute per app, the ministry's quota, counted in calendar
 * minutes so usage reports and the limit agree on what "a minute" is.
 */
export class AppRateLimit {
  readonly #windows = new Map<string, { minute: number; count: number }>();

  /** Counts the request; undefined if allowed, else seconds until the next minute. */
  take(appId: string, limitPerMinute: number, now = Date.now()): number | undefined {
    const minute = Math.floor(now / 60_000);
    let window = this.#windows.get(appId);
    if (!window || window.minute !== minute) {
      window = { minute, count: 0 };
      this.#windows.set(appId, window);
    }
    if (window.count >= limitPerMinute)
      return Math.max(1, Math.ceil(((minute + 1) * 60_000 - now) / 1000));
    window.count += 1;
    return undefined;
  }
}
