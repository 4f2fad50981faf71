import { and, count, eq, gt } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import { apps, deployments, type MinistryRow, type QuotaRow, quotas } from '../db/schema/index.ts';
import { ApiError } from '../errors.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The ministry's quota. With `lock`, the row is locked until the caller's
 * transaction ends, so concurrent creations check and insert one at a time
 * and can never exceed it together.
 */
export async function quotaFor(
  db: Database,
  ministryId: string,
  options: { lock?: boolean } = {},
): Promise<QuotaRow> {
  const query = db.select().from(quotas).where(eq(quotas.ministryId, ministryId)).limit(1);
  const [row] = options.lock ? await query.for('update') : await query;
  if (row) return row;
  // Every ministry gets its quota row at creation; this covers one created before quotas existed.
  const [created] = await db
    .insert(quotas)
    .values({ ministryId })
    .onConflictDoNothing()
    .returning();
  return created ?? (await quotaFor(db, ministryId, options));
}

/**
 * A quota error names the limit, the current usage and who can raise it,
 * so the developer knows at once whether to clean up or to ask.
 */
export function quotaExceeded(
  ministry: MinistryRow,
  what: string,
  usage: string,
  limit: string,
): ApiError {
  return new ApiError(
    'quota_exceeded',
    `ministry "${ministry.name}" ${what}: ${usage}, its quota is ${limit}`,
    `free some room, or ask a platform operator to raise the quota (PATCH /v1/ministries/${ministry.name}/quota)`,
  );
}

export async function appsInUse(db: Database, ministryId: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(apps).where(eq(apps.ministryId, ministryId));
  return row?.n ?? 0;
}

/** Deployments in the last 24 hours: a rolling day, so no midnight rush. */
export async function deploymentsLastDay(db: Database, ministryId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(deployments)
    .innerJoin(apps, eq(deployments.appId, apps.id))
    .where(
      and(
        eq(apps.ministryId, ministryId),
        gt(deployments.createdAt, new Date(Date.now() - DAY_MS)),
      ),
    );
  return row?.n ?? 0;
}

/** What a ministry uses now, next to its quota. */
export async function quotaUsage(db: Database, ministryId: string) {
  return {
    apps: await appsInUse(db, ministryId),
    deploymentsLastDay: await deploymentsLastDay(db, ministryId),
  };
}

/** Call inside the creating transaction: the quota row stays locked until it commits. */
export async function assertCanCreateApp(db: Database, ministry: MinistryRow): Promise<void> {
  const quota = await quotaFor(db, ministry.id, { lock: true });
  const used = await appsInUse(db, ministry.id);
  if (used >= quota.maxApps) {
    throw quotaExceeded(
      ministry,
      'has reached its number of apps',
      `${used} apps`,
      `${quota.maxApps} apps`,
    );
  }
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** Call inside the deploying transaction: the quota row stays locked until it commits. */
export async function assertCanDeploy(
  db: Database,
  ministry: MinistryRow,
  request: { bundleBytes: number; memoryMib: number; instances: number },
): Promise<void> {
  const quota = await quotaFor(db, ministry.id, { lock: true });
  if (request.bundleBytes > quota.maxBundleBytes) {
    throw quotaExceeded(
      ministry,
      'cannot deploy a bundle this large',
      `this bundle is ${mib(request.bundleBytes)}`,
      `${mib(quota.maxBundleBytes)}`,
    );
  }
  if (request.memoryMib > quota.maxMemoryMibPerApp) {
    throw quotaExceeded(
      ministry,
      'cannot give an app this much memory',
      `${request.memoryMib} MiB asked`,
      `${quota.maxMemoryMibPerApp} MiB per app`,
    );
  }
  if (request.instances > quota.maxInstancesPerApp) {
    throw quotaExceeded(
      ministry,
      'cannot run this many instances of an app',
      `${request.instances} asked`,
      `${quota.maxInstancesPerApp} per app`,
    );
  }
  const today = await deploymentsLastDay(db, ministry.id);
  if (today >= quota.maxDeploymentsPerDay) {
    throw quotaExceeded(
      ministry,
      'has deployed too often today',
      `${today} deployments in the last 24 hours`,
      `${quota.maxDeploymentsPerDay} a day`,
    );
  }
}
