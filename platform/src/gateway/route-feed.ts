import type { Signals } from '../coordination/signals.ts';
import type { Database } from '../db/database.ts';
import { type CitizenRoute, loadRoutes } from './route-snapshot.ts';

/** Even without a signal, routes are re-read this often (a missed NOTIFY costs at most this). */
const REFRESH_MS = 30_000;
/** Changes arriving together are sent as one snapshot. */
const DEBOUNCE_MS = 20;

/**
 * The control plane's side of routing: the current routes, re-read from the
 * database as soon as any control plane signals a change (a version went
 * live, an app was deleted, a quota changed), and pushed to every gateway
 * connected to this control plane.
 */
export class RouteFeed {
  readonly #db: Database;
  readonly #signals: Signals;
  readonly #log: (entry: Record<string, unknown>) => void;
  readonly #listeners = new Set<(routes: CitizenRoute[]) => void>();
  readonly #closeListeners = new Set<() => void>();
  #routes: CitizenRoute[] = [];
  #key = '';
  #timer: NodeJS.Timeout | undefined;
  #pending: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(db: Database, signals: Signals, log: (entry: Record<string, unknown>) => void) {
    this.#db = db;
    this.#signals = signals;
    this.#log = log;
  }

  async start(): Promise<void> {
    await this.refresh();
    this.#unsubscribe = await this.#signals.subscribe('gov_routes', () => this.#soon());
    this.#timer = setInterval(() => this.#soon(), REFRESH_MS);
    this.#timer.unref();
  }

  /** Tells every control plane (this one included) that routes changed. */
  async changed(): Promise<void> {
    await this.#signals.publish('gov_routes', '');
  }

  get routes(): CitizenRoute[] {
    return this.#routes;
  }

  /** Called when the feed stops, so open streams end with it. */
  onClose(listener: () => void): void {
    this.#closeListeners.add(listener);
  }

  subscribe(listener: (routes: CitizenRoute[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async refresh(): Promise<void> {
    const routes = await loadRoutes(this.#db);
    const key = JSON.stringify(routes);
    if (key === this.#key) return;
    this.#key = key;
    this.#routes = routes;
    for (const listener of this.#listeners) listener(routes);
  }

  stop(): void {
    clearInterval(this.#timer);
    clearTimeout(this.#pending);
    this.#unsubscribe?.();
    this.#listeners.clear();
    for (const listener of this.#closeListeners) listener();
    this.#closeListeners.clear();
  }

  #soon(): void {
    if (this.#pending) return;
    this.#pending = setTimeout(() => {
      this.#pending = undefined;
      this.refresh().catch((error: Error) =>
        this.#log({
          level: 'warn',
          component: 'route-feed',
          message: `routes not refreshed: ${error.message}`,
        }),
      );
    }, DEBOUNCE_MS);
  }
}
