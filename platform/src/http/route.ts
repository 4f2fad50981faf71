import type { Handler } from 'hono';
import type { ApiEnv } from './env.ts';

/** One API route, declared as data so routes/index.ts can list them all in one place. */
export interface Route {
  method: 'get' | 'post' | 'delete';
  path: string;
  /** Public routes (health checks) skip bearer authentication. */
  public?: boolean;
  handler: Handler<ApiEnv>;
}

export function defineRoute(route: Route): Route {
  return route;
}
