import { desc, sql } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import { safeJson, safeText } from '../db/safe-text.ts';
import { type AuditRecordRow, auditLog } from '../db/schema/index.ts';
import { GENESIS_HASH, recordHash } from './chain.ts';

export type AuditEntry = Omit<AuditRecordRow, 'seq' | 'at' | 'prevHash' | 'hash' | 'details'> & {
  details?: Record<string, unknown>;
};

/** Any number: every writer of the chain takes the same lock. */
const AUDIT_CHAIN_LOCK = 7070_0001;

/**
 * Appends one record to the chain. Writers are serialised by a transaction
 * advisory lock, so two control planes cannot fork the chain.
 */
export async function appendAudit(db: Database, entry: AuditEntry): Promise<AuditRecordRow> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`);
    const [last] = await tx
      .select({ seq: auditLog.seq, hash: auditLog.hash })
      .from(auditLog)
      .orderBy(desc(auditLog.seq))
      .limit(1);
    // Whatever a request carried, the record can be stored: text is made storable.
    const text = (v: string | null | undefined) => (v == null ? null : safeText(v, 512));
    const unhashed = {
      seq: (last?.seq ?? 0) + 1,
      at: new Date(),
      actorType: entry.actorType,
      actorId: safeText(entry.actorId, 512),
      action: safeText(entry.action, 128),
      targetType: safeText(entry.targetType, 128),
      targetId: text(entry.targetId),
      ministryId: text(entry.ministryId),
      sourceIp: text(entry.sourceIp),
      tokenId: text(entry.tokenId),
      outcome: entry.outcome,
      details: safeJson(entry.details ?? {}),
      prevHash: last?.hash ?? GENESIS_HASH,
    };
    const record = { ...unhashed, hash: recordHash(unhashed) };
    await tx.insert(auditLog).values(record);
    return record;
  });
}
