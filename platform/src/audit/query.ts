import { type AuditRecordResource, instantSchema } from '@gov/contract';
import { and, asc, eq, gt, gte, lte, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import { auditLog } from '../db/schema/index.ts';

export const auditQuerySchema = z.strictObject({
  action: z
    .string()
    .regex(/^[a-z_]+\.[a-z_]+$/, 'actions look like deployment.create')
    .optional(),
  outcome: z.enum(['success', 'denied', 'failure']).optional(),
  actor: z.string().max(64).optional(),
  from: instantSchema.optional(),
  to: instantSchema.optional(),
  /** Cursor: records after this position in the chain. */
  after: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type AuditQuery = z.infer<typeof auditQuerySchema>;

export type { AuditRecordResource };

/** One page of the log, oldest first; `next` is the cursor for the following page. */
export async function queryAudit(db: Database, query: AuditQuery, ministryId?: string) {
  const where: SQL[] = [gt(auditLog.seq, query.after)];
  if (ministryId) where.push(eq(auditLog.ministryId, ministryId));
  if (query.action) where.push(eq(auditLog.action, query.action));
  if (query.outcome) where.push(eq(auditLog.outcome, query.outcome));
  if (query.actor) where.push(eq(auditLog.actorId, query.actor));
  if (query.from) where.push(gte(auditLog.at, new Date(query.from)));
  if (query.to) where.push(lte(auditLog.at, new Date(query.to)));
  const rows = await db
    .select()
    .from(auditLog)
    .where(and(...where))
    .orderBy(asc(auditLog.seq))
    .limit(query.limit);
  const records: AuditRecordResource[] = rows.map((r) => ({ ...r, at: r.at.toISOString() }));
  const last = rows.at(-1);
  return { records, next: rows.length === query.limit && last ? last.seq : null };
}
