import { type Endpoint, type EndpointResolver, isDriverError } from '../drivers/driver.ts';
import type { CitizenRoute, RouteTable } from './route-table.ts';

/** A request waits at most this long for its app to start or come back, within its timeout. */
const MAX_WAKE_WAIT_MS = 10_000;

export class NoInstance extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/**
 * Chooses where a citizen's request goes: a ready endpoint of the route's
 * live version (round robin), waking the version if it sleeps or waiting for
 * it to come back, and following a version switch the gateway has not heard
 * of yet. Bounded by the request's deadline.
 */
export class EndpointPicker {
  readonly #resolver: EndpointResolver;
  readonly #table: RouteTable;
  readonly #nextRoutes: ((timeoutMs: number) => Promise<void>) | undefined;
  readonly #wakeWaitMs: number;
  readonly #roundRobin = new Map<string, number>();

  constructor(options: {
    resolver: EndpointResolver;
    table: RouteTable;
    requestTimeoutMs: number;
    nextRoutes?: (timeoutMs: number) => Promise<void>;
  }) {
    this.#resolver = options.resolver;
    this.#table = options.table;
    this.#nextRoutes = options.nextRoutes;
    this.#wakeWaitMs = Math.min(MAX_WAKE_WAIT_MS, options.requestTimeoutMs);
  }

  async pick(
    route: CitizenRoute,
    deploymentId: string,
    deadline: number,
  ): Promise<{ endpoint: Endpoint; deploymentId: string }> {
    let id = deploymentId;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const ready = await this.#resolver.endpoints(id);
      if (ready.length > 0) {
        const next = (this.#roundRobin.get(id) ?? 0) + 1;
        this.#roundRobin.set(id, next);
        return { endpoint: ready[next % ready.length] as Endpoint, deploymentId: id };
      }
      const budget = Math.min(this.#wakeWaitMs, deadline - Date.now());
      if (budget <= 0) break;
      try {
        await this.#resolver.wake(id, budget);
      } catch (error) {
        if (isDriverError(error) && error.code === 'unknown_version' && this.#nextRoutes) {
          // The version was just replaced and this gateway is a snapshot behind.
          await this.#nextRoutes(Math.min(1_000, budget));
          const fresh = this.#table.byAppId(route.appId)?.liveDeploymentId;
          if (fresh && fresh !== id) {
            id = fresh;
            continue;
          }
        }
        const retryAfterMs = isDriverError(error) ? (error.retryAfterMs ?? 5_000) : 5_000;
        throw new NoInstance((error as Error).message, Math.max(1, Math.ceil(retryAfterMs / 1000)));
      }
    }
    throw new NoInstance('no instance became ready in time', 5);
  }

  track(deploymentId: string): () => void {
    return this.#resolver.track(deploymentId);
  }
}
