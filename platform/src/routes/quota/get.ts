import { access } from '../../auth/access.ts';
import type { QuotaRow } from '../../db/schema/index.ts';
import { defineRoute } from '../../http/route.ts';
import { quotaFor, quotaUsage } from '../../quotas/quota.ts';

export interface QuotaResource {
  ministry: string;
  limits: Omit<QuotaRow, 'ministryId' | 'updatedAt' | 'updatedBy'>;
  usage: { apps: number; deploymentsLastDay: number };
  updatedAt: string;
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
    return c.json(presentQuota(ministry.name, quota, await quotaUsage(db, ministry.id)));
  },
});
