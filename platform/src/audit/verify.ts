import { asc, gt } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import { auditLog } from '../db/schema/index.ts';
import { GENESIS_HASH, recordHash } from './chain.ts';

export type ChainVerdict =
  | { ok: true; records: number; headHash: string }
  | {
      ok: false;
      records: number;
      /** The first record whose link does not hold. */
      brokenAt: number;
      reason: 'hash_mismatch' | 'prev_hash_mismatch' | 'sequence_gap';
    };

const PAGE = 1000;

/**
 * Walks the whole chain from the first record and recomputes every hash.
 * Reports the first broken link: an altered record, a removed one (a gap in
 * seq or a prevHash that no longer matches), or records out of order.
 */
export async function verifyAuditChain(db: Database): Promise<ChainVerdict> {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let records = 0;
  for (;;) {
    const page = await db
      .select()
      .from(auditLog)
      .where(gt(auditLog.seq, expectedSeq - 1))
      .orderBy(asc(auditLog.seq))
      .limit(PAGE);
    for (const row of page) {
      if (row.seq !== expectedSeq) {
        return { ok: false, records, brokenAt: expectedSeq, reason: 'sequence_gap' };
      }
      if (row.prevHash !== prevHash) {
        return { ok: false, records, brokenAt: row.seq, reason: 'prev_hash_mismatch' };
      }
      const { hash, ...rest } = row;
      if (recordHash(rest) !== hash) {
        return { ok: false, records, brokenAt: row.seq, reason: 'hash_mismatch' };
      }
      prevHash = hash;
      expectedSeq += 1;
      records += 1;
    }
    if (page.length < PAGE) return { ok: true, records, headHash: prevHash };
  }
}
