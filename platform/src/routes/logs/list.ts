import type { AppLogEntry } from '@gov/contract';
import { z } from 'zod';
import { access } from '../../auth/access.ts';
import { ApiError } from '../../errors.ts';
import { defineRoute } from '../../http/route.ts';
import { validate } from '../../http/validate.ts';
import { appFromPath } from '../lookup.ts';

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `10m`, `2h`, `1d` (a look back) or an instant such as 2026-12-02T10:00:00Z. */
const sinceSchema = z
  .string()
  .regex(
    /^(\d{1,6}[smhd]|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))$/,
    'since is a duration like 10m, 2h or 1d, or an instant like 2026-12-02T10:00:00Z',
  );

export const logsQuery = z.strictObject({
  since: sinceSchema.optional(),
  after: z
    .string()
    .regex(/^\d{13}-\d{6}(?:-[0-9a-f]{8})?$/, 'after is the id of a log line')
    .optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

export interface ListLogsResponse {
  logs: AppLogEntry[];
}

function sinceMs(since: string, now: number): number {
  const unit = since.at(-1) as keyof typeof UNIT_MS;
  if (/^\d+[smhd]$/.test(since)) return now - Number(since.slice(0, -1)) * UNIT_MS[unit];
  return Date.parse(since);
}

/**
 * An app's logs, oldest first (`gov logs`): what its code printed, its
 * uncaught exceptions and the requests citizens made (method, path, status,
 * duration, request id), for the ministry's members. `after` follows them.
 */
export const listLogs = defineRoute({
  method: 'get',
  path: '/v1/ministries/:ministry/apps/:app/logs',
  access: access.auditor,
  handler: async (c) => {
    const { app } = await appFromPath(c);
    const query = validate(logsQuery, c.req.query());
    const read = c.get('logs');
    if (!read) {
      // Not a passing outage (no 503 to retry on): this cluster keeps none.
      throw new ApiError(
        'not_found',
        'app logs are not collected on this platform’s cluster yet',
        'read them where the cluster keeps its pods’ logs; see the platform README',
      );
    }
    const logs = await read({
      appId: app.id,
      ...(query.after ? { after: query.after } : {}),
      sinceMs: query.since ? sinceMs(query.since, Date.now()) : Date.now() - UNIT_MS.h,
      limit: query.limit,
    });
    c.header('cache-control', 'no-store');
    return c.json({ logs } satisfies ListLogsResponse);
  },
});
