import { access } from '../../auth/access.ts';
import { defineRoute } from '../../http/route.ts';
import { validate } from '../../http/validate.ts';
import { quotaFor } from '../../quotas/quota.ts';
import { usageMinutesOf, usageRange, usageRangeSchema } from '../../usage/query.ts';
import { appFromPath } from '../lookup.ts';

/** One app's traffic minute by minute. */
export const getAppUsage = defineRoute({
  method: 'get',
  path: '/v1/ministries/:ministry/apps/:app/usage',
  access: access.auditor,
  handler: async (c) => {
    const { ministry, app } = await appFromPath(c);
    const { from, to } = usageRange(validate(usageRangeSchema, c.req.query()));
    const quota = await quotaFor(c.get('db'), ministry.id);
    return c.json({
      app: app.name,
      from: from.toISOString(),
      to: to.toISOString(),
      quota: { maxRequestsPerMinute: quota.maxRequestsPerMinutePerApp },
      minutes: await usageMinutesOf(c.get('db'), app.id, from, to),
    });
  },
});
