import type { Hono } from 'hono';
import { requireBearer } from '../auth/principal.ts';
import type { ApiEnv } from '../http/env.ts';
import type { Route } from '../http/route.ts';
import { createApp } from './apps/create.ts';
import { deleteApp } from './apps/delete.ts';
import { getApp } from './apps/get.ts';
import { listApps } from './apps/list.ts';
import { createDeployment } from './deployments/create.ts';
import { getDeployment } from './deployments/get.ts';
import { listDeployments } from './deployments/list.ts';
import { rollback } from './deployments/rollback.ts';
import { healthz } from './health/healthz.ts';
import { readyz } from './health/readyz.ts';
import { createMinistry } from './ministries/create.ts';
import { getMinistry } from './ministries/get.ts';
import { listMinistries } from './ministries/list.ts';

/** Every API route, in one list: what the platform exposes is readable here. */
export function allRoutes(options: { isReady: () => boolean }): Route[] {
  return [
    healthz,
    readyz(options.isReady),
    createMinistry,
    listMinistries,
    getMinistry,
    createApp,
    listApps,
    getApp,
    deleteApp,
    createDeployment,
    listDeployments,
    getDeployment,
    rollback,
  ];
}

export function registerRoutes(app: Hono<ApiEnv>, options: { isReady: () => boolean }): void {
  const auth = requireBearer();
  for (const route of allRoutes(options)) {
    if (route.public) app.on(route.method.toUpperCase(), route.path, route.handler);
    else app.on(route.method.toUpperCase(), route.path, auth, route.handler);
  }
}
