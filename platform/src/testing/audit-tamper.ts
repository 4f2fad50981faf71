import { type ChainHead, recordHash } from '@gov/contract';
import { asc, sql } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import { type AuditRecordRow, auditLog } from '../db/schema/index.ts';

/**
 * Tampering with the audit log as its table owner could: the owner can
 * switch the guard trigger off, so only the signed checkpoints outside the
 * database can catch what these do. For the tests and the scorecard.
 */
export async function asTableOwner(db: Database, ...statements: ReturnType<typeof sql>[]) {
  await db.execute(sql`alter table audit_log disable trigger audit_log_no_update_delete`);
  try {
    for (const statement of statements) await db.execute(statement);
  } finally {
    await db.execute(sql`alter table audit_log enable trigger audit_log_no_update_delete`);
  }
}

export const auditRows = (db: Database) => db.select().from(auditLog).orderBy(asc(auditLog.seq));

/** Deletes every record after `seq`: what the chain alone reads as a shorter, intact log. */
export const truncateAuditAfter = (db: Database, seq: number) =>
  asTableOwner(db, sql`delete from audit_log where seq > ${seq}`);

/**
 * Changes record `seq` and rehashes it and every later one, so every link
 * of the chain holds again. Answers the record's hash before and after.
 */
export async function rewriteAuditFrom(
  db: Database,
  seq: number,
  change: Partial<AuditRecordRow>,
): Promise<{ before: string | undefined; after: string | undefined }> {
  const chain = await auditRows(db);
  const before = chain.find((r) => r.seq === seq)?.hash;
  let prev: ChainHead | undefined = chain.find((r) => r.seq === seq - 1);
  const statements: ReturnType<typeof sql>[] = [];
  for (const row of chain.filter((r) => r.seq >= seq)) {
    const { hash: _old, ...fields } = { ...row, ...(row.seq === seq ? change : {}) };
    const unhashed = { ...fields, prevHash: prev?.hash ?? fields.prevHash };
    const hash = recordHash(unhashed);
    statements.push(
      sql`update audit_log set actor_id = ${unhashed.actorId}, action = ${unhashed.action},
        outcome = ${unhashed.outcome}, prev_hash = ${unhashed.prevHash}, hash = ${hash}
        where seq = ${row.seq}`,
    );
    prev = { seq: row.seq, hash };
  }
  await asTableOwner(db, ...statements);
  return { before, after: (await auditRows(db)).find((r) => r.seq === seq)?.hash };
}
