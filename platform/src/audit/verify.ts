import { asc, gt } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import { type AuditRecordRow, auditLog } from '../db/schema/index.ts';
import { GENESIS_HASH, recordHash } from './chain.ts';

export type ChainVerdict =
  | { ok: true; records: number; headHash: string }
  | {
      ok: false;
      /** Intact records before the break. */
      records: number;
      /** The first record whose link does not hold. */
      brokenAt: number;
      reason: 'hash_mismatch' | 'prev_hash_mismatch' | 'sequence_gap';
    };

/**
 * Walks the chain record by record, in order, and stops at the first broken
 * link: an altered record, a removed one (a gap in seq or a prevHash that no
 * longer matches), or records out of order. Pure, so the server and the CLI
 * (which recomputes from downloaded records) check exactly the same way.
 */
export class ChainChecker {
  #prevHash = GENESIS_HASH;
  #expectedSeq = 1;
  #broken: ChainVerdict | undefined;

  /** Feeds the next record; returns the verdict once the chain is broken. */
  push(row: AuditRecordRow): ChainVerdict | undefined {
    if (this.#broken) return this.#broken;
    const records = this.#expectedSeq - 1;
    if (row.seq !== this.#expectedSeq) {
      this.#broken = { ok: false, records, brokenAt: this.#expectedSeq, reason: 'sequence_gap' };
    } else if (row.prevHash !== this.#prevHash) {
      this.#broken = { ok: false, records, brokenAt: row.seq, reason: 'prev_hash_mismatch' };
    } else {
      const { hash, ...rest } = row;
      if (recordHash(rest) !== hash) {
        this.#broken = { ok: false, records, brokenAt: row.seq, reason: 'hash_mismatch' };
      } else {
        this.#prevHash = hash;
        this.#expectedSeq += 1;
      }
    }
    return this.#broken;
  }

  get verdict(): ChainVerdict {
    return this.#broken ?? { ok: true, records: this.#expectedSeq - 1, headHash: this.#prevHash };
  }
}

const PAGE = 1000;

/** The whole chain from the database, checked from the first record. */
export async function verifyAuditChain(db: Database): Promise<ChainVerdict> {
  const checker = new ChainChecker();
  let after = 0;
  for (;;) {
    const page = await db
      .select()
      .from(auditLog)
      .where(gt(auditLog.seq, after))
      .orderBy(asc(auditLog.seq))
      .limit(PAGE);
    for (const row of page) if (checker.push(row)) return checker.verdict;
    const last = page.at(-1);
    if (!last || page.length < PAGE) return checker.verdict;
    after = last.seq;
  }
}
