import type { Context } from 'hono';
import { access } from '../../auth/access.ts';
import type { QuotaRow } from '../../db/schema/index.ts';
import type { ApiEnv } from '../../http/env.ts';
import { defineRoute } from '../../http/route.ts';
import { quotaFor, quotaUsage } from '../../quotas/quota.ts';

export interface QuotaResource {
  ministry: string;
  limits: Omit<QuotaRow, 'ministryId' | 'updatedAt' | 'updatedBy'>;
  /** `kvBytes`: what the ministry keeps in KV and D1; null where the cluster does not say. */
  usage: { apps: number; deploymentsLastDay: number; kvBytes: number | null };
  updatedAt: string;
}

/** The quota's usage figures, storage included when the driver counts it. */
export async function usageOf(
  c: Context<ApiEnv>,
  ministryId: string,
): Promise<QuotaResource['usage']> {
  const counted = c.get('storageUsage');
  const kvBytes = counted ? await counted(ministryId).catch(() => null) : null;
  return { ...(await quotaUsage(c.get('db'), ministryId)), kvBytes };
}

export function presentQuota(
  ministry: string,
  quota: QuotaRow,
  usage: QuotaResource['usage'],
): QuotaResource {
  const { ministryId: _m, updatedAt, updatedBy: _u, ...limits } = quota;
  return { ministry, limits, usage, updatedAt: updatedAt.toISOString() };
}

/** The ministry's quota next to what it uses now. */
export const getQuota = defineRoute({
  method: 'get',
  path: '/v1/ministries/:ministry/quota',
  access: access.auditor,
  handler: async (c) => {
    const db = c.get('db');
    const ministry = c.get('ministry');
    const quota = await quotaFor(db, ministry.id);
    return c.json(presentQuota(ministry.name, quota, await usageOf(c, ministry.id)));
  },
});
