import { instantSchema } from '@gov/contract';
import { and, eq, gte, lt, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import { usageMinutes } from '../db/schema/index.ts';

export const usageRangeSchema = z.strictObject({
  from: instantSchema.optional(),
  to: instantSchema.optional(),
});

const DAY_MS = 24 * 60 * 60 * 1000;

/** Default: the last 24 hours. */
export function usageRange(query: z.infer<typeof usageRangeSchema>) {
  const to = query.to ? new Date(query.to) : new Date();
  const from = query.from ? new Date(query.from) : new Date(to.getTime() - DAY_MS);
  return { from, to };
}

// Sums are bigint: a day of minutes near the integer column's limit adds up past it.
const totals = {
  requests: sql<number>`coalesce(sum(${usageMinutes.requests}), 0)::bigint`,
  errors: sql<number>`coalesce(sum(${usageMinutes.errors}), 0)::bigint`,
  rejected: sql<number>`coalesce(sum(${usageMinutes.rejected}), 0)::bigint`,
  bytesIn: sql<number>`coalesce(sum(${usageMinutes.bytesIn}), 0)::bigint`,
  bytesOut: sql<number>`coalesce(sum(${usageMinutes.bytesOut}), 0)::bigint`,
  peakRequestsPerMinute: sql<number>`coalesce(max(${usageMinutes.requests}), 0)::int`,
};

export async function usageByApp(db: Database, ministryId: string, from: Date, to: Date) {
  const rows = await db
    .select({ appId: usageMinutes.appId, ...totals })
    .from(usageMinutes)
    .where(
      and(
        eq(usageMinutes.ministryId, ministryId),
        gte(usageMinutes.minute, from),
        lt(usageMinutes.minute, to),
      ),
    )
    .groupBy(usageMinutes.appId);
  return rows.map((r) => ({
    ...r,
    requests: Number(r.requests),
    errors: Number(r.errors),
    rejected: Number(r.rejected),
    bytesIn: Number(r.bytesIn),
    bytesOut: Number(r.bytesOut),
  }));
}

export async function usageMinutesOf(db: Database, appId: string, from: Date, to: Date) {
  const rows = await db
    .select()
    .from(usageMinutes)
    .where(
      and(
        eq(usageMinutes.appId, appId),
        gte(usageMinutes.minute, from),
        lt(usageMinutes.minute, to),
      ),
    )
    .orderBy(usageMinutes.minute);
  return rows.map((r) => ({
    minute: r.minute.toISOString(),
    requests: r.requests,
    errors: r.errors,
    rejected: r.rejected,
    bytesIn: r.bytesIn,
    bytesOut: r.bytesOut,
  }));
}
