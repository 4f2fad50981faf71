import type { Hono, MiddlewareHandler } from 'hono';
import { audited } from '../audit/middleware.ts';
import { authorizeCapability } from '../auth/capability.ts';
import { authenticate, authorize } from '../auth/middleware.ts';
import type { ApiEnv } from '../http/env.ts';
import type { FixedWindowLimiter } from '../http/rate-limit.ts';
import type { Route } from '../http/route.ts';
import { createApp } from './apps/create.ts';
import { deleteApp } from './apps/delete.ts';
import { getApp } from './apps/get.ts';
import { listApps } from './apps/list.ts';
import { getArtifact } from './artifacts/get.ts';
import { listAuditCheckpoints } from './audit/checkpoints.ts';
import { listAudit } from './audit/list.ts';
import { listMinistryAudit } from './audit/list-ministry.ts';
import { getAuditPublicKey } from './audit/public-key.ts';
import { verifyAudit } from './audit/verify.ts';
import { exchangeCliToken } from './auth/cli-token.ts';
import { getAuthConfig } from './auth/config.ts';
import { listCrons } from './crons/list.ts';
import { runCron } from './crons/run.ts';
import { executeSql } from './d1/execute.ts';
import { createDeployment } from './deployments/create.ts';
import { listDeploymentEvents } from './deployments/events.ts';
import { getDeployment } from './deployments/get.ts';
import { listDeployments } from './deployments/list.ts';
import { rollback } from './deployments/rollback.ts';
import { healthz } from './health/healthz.ts';
import { type RuntimeInfo, readyz } from './health/readyz.ts';
import { reportRequestLogs } from './internal/request-logs.ts';
import { watchRoutes } from './internal/routes.ts';
import { revealVersionSecrets } from './internal/secrets.ts';
import { reportUsage } from './internal/usage.ts';
import { listLogs } from './logs/list.ts';
import { getMe } from './me/get.ts';
import { grantRole } from './members/grant.ts';
import { listMembers } from './members/list.ts';
import { revokeRole } from './members/revoke.ts';
import { createMinistry } from './ministries/create.ts';
import { getMinistry } from './ministries/get.ts';
import { listMinistries } from './ministries/list.ts';
import { getQuota } from './quota/get.ts';
import { updateQuota } from './quota/update.ts';
import { deleteSecret } from './secrets/delete.ts';
import { listSecrets } from './secrets/list.ts';
import { putSecret } from './secrets/put.ts';
import { createToken } from './tokens/create.ts';
import { listTokens } from './tokens/list.ts';
import { revokeToken } from './tokens/revoke.ts';
import { getAppUsage } from './usage/app.ts';
import { getMinistryUsage } from './usage/ministry.ts';

/** Every API route, in one list: what the platform exposes is readable here. */
export function allRoutes(options: {
  isReady: () => boolean;
  runtime?: () => Promise<RuntimeInfo>;
}): Route[] {
  return [
    healthz,
    readyz(options.isReady, options.runtime),
    getAuthConfig,
    exchangeCliToken,
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
    listDeploymentEvents,
    rollback,
    executeSql,
    listCrons,
    runCron,
    listLogs,
    listSecrets,
    putSecret,
    deleteSecret,
    getMe,
    getQuota,
    updateQuota,
    getMinistryUsage,
    getAppUsage,
    createToken,
    listTokens,
    revokeToken,
    listMembers,
    grantRole,
    revokeRole,
    listMinistryAudit,
    listAudit,
    verifyAudit,
    listAuditCheckpoints,
    getAuditPublicKey,
    getArtifact,
    watchRoutes,
    reportUsage,
    reportRequestLogs,
    revealVersionSecrets,
  ];
}

/**
 * Mounts every route behind the same chain: audit (outermost, so refused
 * attempts are recorded), authentication, then the route's access rule.
 */
export function registerRoutes(
  app: Hono<ApiEnv>,
  options: {
    isReady: () => boolean;
    runtime?: () => Promise<RuntimeInfo>;
    authFailures: FixedWindowLimiter;
  },
): void {
  const auth = authenticate(options.authFailures);
  for (const route of allRoutes(options)) {
    const chain: MiddlewareHandler<ApiEnv>[] = [];
    if (route.audit) chain.push(audited(route.audit));
    if (route.access.kind === 'capability') chain.push(authorizeCapability(route.access));
    else if (route.access.kind !== 'public') chain.push(auth, authorize(route.access));
    // Hono's overloads cannot type a spread of middleware; the chain is homogeneous.
    const handlers = [...chain, route.handler] as [MiddlewareHandler<ApiEnv>];
    app.on(route.method.toUpperCase(), route.path, ...handlers);
  }
}
