import type { CitizenRoute } from './route-snapshot.ts';

export type { CitizenRoute };

/**
 * Host → app and live version, held in the gateway's memory. It is replaced
 * whole by each snapshot the control plane sends; between snapshots, and
 * while no control plane answers, the last one keeps serving citizens.
 */
export class RouteTable {
  #routes = new Map<string, CitizenRoute>();
  #appsById = new Map<string, CitizenRoute>();

  lookup(ministry: string, app: string): CitizenRoute | undefined {
    return this.#routes.get(`${app}.${ministry}`);
  }

  byAppId(appId: string): CitizenRoute | undefined {
    return this.#appsById.get(appId);
  }

  get size(): number {
    return this.#routes.size;
  }

  replace(routes: CitizenRoute[]): void {
    const next = new Map<string, CitizenRoute>();
    const byId = new Map<string, CitizenRoute>();
    for (const r of routes) {
      next.set(`${r.app}.${r.ministry}`, r);
      byId.set(r.appId, r);
    }
    this.#routes = next;
    this.#appsById = byId;
  }
}
