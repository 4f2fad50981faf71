import { eq } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import { apps, ministries, quotas } from '../db/schema/index.ts';

/** What the gateway needs to route one citizen host. */
export interface CitizenRoute {
  ministry: string;
  app: string;
  appId: string;
  ministryId: string;
  /** The ministry's quota, applied per app by the gateway. */
  maxRequestsPerMinute: number;
  /** Null while the app has never had a working version. */
  liveDeploymentId: string | null;
}

/** Matches the quota table's default, for a ministry whose quota row is missing. */
const DEFAULT_REQUESTS_PER_MINUTE = 6000;

/** Every route, read from the database: the control plane sends this to gateways. */
export async function loadRoutes(db: Database): Promise<CitizenRoute[]> {
  const rows = await db
    .select({
      app: apps.name,
      ministry: ministries.name,
      appId: apps.id,
      ministryId: apps.ministryId,
      liveDeploymentId: apps.liveDeploymentId,
      maxRequestsPerMinute: quotas.maxRequestsPerMinutePerApp,
    })
    .from(apps)
    .innerJoin(ministries, eq(apps.ministryId, ministries.id))
    .leftJoin(quotas, eq(quotas.ministryId, apps.ministryId))
    .orderBy(apps.id);
  return rows.map((r) => ({
    ...r,
    maxRequestsPerMinute: r.maxRequestsPerMinute ?? DEFAULT_REQUESTS_PER_MINUTE,
  }));
}
