import type { Handler } from 'hono';
import type { Access } from '../auth/access.ts';
import type { ApiEnv } from './env.ts';

/** One API route, declared as data so routes/index.ts can list them all in one place. */
export interface Route {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  access: Access;
  /** Audit action (resource.verb) for routes that change something. */
  audit?: string;
  handler: Handler<ApiEnv>;
}

export function defineRoute(route: Route): Route {
  return route;
}
