import { instantSchema, MAX_INT32 } from '@gov/contract';
import { z } from 'zod';
import { access } from '../../auth/access.ts';
import { defineRoute } from '../../http/route.ts';
import { parseJsonBody } from '../../http/validate.ts';
import { addUsage } from '../../usage/meter.ts';

/** Counts as the columns hold them: requests and errors are integers, bytes are bigints. */
const count = z.number().int().min(0).max(MAX_INT32);
const byteCount = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const usageBody = z.strictObject({
  rows: z
    .array(
      z.strictObject({
        appId: z.string().min(1).max(64),
        ministryId: z.string().min(1).max(64),
        minute: instantSchema,
        requests: count,
        errors: count,
        // A gateway of the previous release sends none.
        rejected: count.default(0),
        bytesIn: byteCount,
        bytesOut: byteCount,
      }),
    )
    .max(20_000),
});

/** Traffic the gateway counted, added to the usage tables in one go. */
export const reportUsage = defineRoute({
  method: 'post',
  path: '/internal/v1/usage',
  access: access.gateway,
  handler: async (c) => {
    const { rows } = await parseJsonBody(c, usageBody, { maxBytes: 8 * 1024 * 1024 });
    await addUsage(c.get('db'), rows);
    return c.body(null, 204);
  },
});
