import { inArray } from 'drizzle-orm';
import { access } from '../../auth/access.ts';
import { apps } from '../../db/schema/index.ts';
import { defineRoute } from '../../http/route.ts';
import { validate } from '../../http/validate.ts';
import { quotaFor } from '../../quotas/quota.ts';
import { usageByApp, usageRange, usageRangeSchema } from '../../usage/query.ts';

/** Traffic per app over a period (default: last 24 h), next to the per-minute quota. */
export const getMinistryUsage = defineRoute({
  method: 'get',
  path: '/v1/ministries/:ministry/usage',
  access: access.auditor,
  handler: async (c) => {
    const db = c.get('db');
    const ministry = c.get('ministry');
    const { from, to } = usageRange(validate(usageRangeSchema, c.req.query()));
    const rows = await usageByApp(db, ministry.id, from, to);
    const names = new Map<string, string>();
    if (rows.length > 0) {
      const found = await db
        .select({ id: apps.id, name: apps.name })
        .from(apps)
        .where(
          inArray(
            apps.id,
            rows.map((r) => r.appId),
          ),
        );
      for (const a of found) names.set(a.id, a.name);
    }
    const quota = await quotaFor(db, ministry.id);
    return c.json({
      ministry: ministry.name,
      from: from.toISOString(),
      to: to.toISOString(),
      quota: { maxRequestsPerMinutePerApp: quota.maxRequestsPerMinutePerApp },
      apps: rows.map((r) => ({ app: names.get(r.appId) ?? null, ...r })),
    });
  },
});
