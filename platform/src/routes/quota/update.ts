import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { auditedChange } from '../../audit/middleware.ts';
import { access } from '../../auth/access.ts';
import { apps, quotas } from '../../db/schema/index.ts';
import { ApiError } from '../../errors.ts';
import { defineRoute } from '../../http/route.ts';
import { parseJsonBody } from '../../http/validate.ts';
import { quotaFor } from '../../quotas/quota.ts';
import { presentQuota, usageOf } from './get.ts';

const limit = (max: number) => z.number().int().min(0).max(max);

export const updateQuotaBody = z
  .strictObject({
    maxApps: limit(10_000),
    maxBundleBytes: limit(100 * 1024 * 1024),
    maxDeploymentsPerDay: limit(100_000),
    maxMemoryMibPerApp: limit(16_384),
    maxInstancesPerApp: limit(100),
    maxRequestsPerMinutePerApp: limit(10_000_000),
    maxKvBytes: limit(1024 ** 4),
  })
  .partial();
export type UpdateQuotaRequest = z.infer<typeof updateQuotaBody>;

/** Operators change a ministry's limits; only the fields sent change. */
export const updateQuota = defineRoute({
  method: 'patch',
  path: '/v1/ministries/:ministry/quota',
  access: access.operator,
  audit: 'quota.update',
  handler: async (c) => {
    const db = c.get('db');
    const ministry = c.get('ministry');
    const body = await parseJsonBody(c, updateQuotaBody);
    if (Object.keys(body).length === 0) {
      throw new ApiError(
        'invalid_request',
        'nothing to change',
        'send one or more limits, like {"maxApps": 20}',
      );
    }
    const before = await quotaFor(db, ministry.id);
    const after = await auditedChange(c, 200, async (tx) => {
      const [updated] = await tx
        .update(quotas)
        .set({ ...body, updatedAt: new Date(), updatedBy: c.get('principal').actorId })
        .where(eq(quotas.ministryId, ministry.id))
        .returning();
      if (!updated) throw new Error('quota row vanished');
      const changes = Object.fromEntries(
        Object.keys(body).map((k) => [
          k,
          { from: before[k as keyof typeof before], to: updated[k as keyof typeof updated] },
        ]),
      );
      return { result: updated, target: { type: 'quota', id: ministry.id, details: { changes } } };
    });
    // The gateway applies a new requests-per-minute limit as soon as it hears of it,
    // and reconciling the ministry's apps applies the ministry's new spec to the
    // cluster (the KV limit in the storage service, the ResourceQuota on Kubernetes).
    await c.get('routes').changed();
    const owned = await db
      .select({ id: apps.id })
      .from(apps)
      .where(eq(apps.ministryId, ministry.id));
    for (const app of owned) c.get('reconciler').enqueue(app.id);
    return c.json(presentQuota(ministry.name, after, await usageOf(c, ministry.id)));
  },
});
