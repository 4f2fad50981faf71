import { type AuditRecordResource, instantSchema } from '@gov/contract';
import { and, asc, desc, eq, gt, gte, lt, lte, type SQL } from 'drizzle-orm';
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

/** The filters both readings of the log share. */
function auditFilters(
  query: Pick<AuditQuery, 'action' | 'outcome' | 'actor' | 'from' | 'to'>,
  ministryId: string | undefined,
): SQL[] {
  const where: SQL[] = [];
  if (ministryId) where.push(eq(auditLog.ministryId, ministryId));
  if (query.action) where.push(eq(auditLog.action, query.action));
  if (query.outcome) where.push(eq(auditLog.outcome, query.outcome));
  if (query.actor) where.push(eq(auditLog.actorId, query.actor));
  if (query.from) where.push(gte(auditLog.at, new Date(query.from)));
  if (query.to) where.push(lte(auditLog.at, new Date(query.to)));
  return where;
}

/** One page of the log, oldest first; `next` is the cursor for the following page. */
export async function queryAudit(db: Database, query: AuditQuery, ministryId?: string) {
  const where = [gt(auditLog.seq, query.after), ...auditFilters(query, ministryId)];
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

/**
 * One page of the log, newest first (the admin panel): records before
 * `before` in the chain, and the cursor of the next, older page.
 */
export async function queryAuditNewest(
  db: Database,
  query: Omit<AuditQuery, 'after'> & { before?: number },
  ministryId?: string,
) {
  const where = [
    ...(query.before === undefined ? [] : [lt(auditLog.seq, query.before)]),
    ...auditFilters(query, ministryId),
  ];
  const rows = await db
    .select()
    .from(auditLog)
    .where(and(...where))
    .orderBy(desc(auditLog.seq))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const records: AuditRecordResource[] = page.map((r) => ({ ...r, at: r.at.toISOString() }));
  return { records, older: rows.length > query.limit ? (page.at(-1)?.seq ?? null) : null };
}
