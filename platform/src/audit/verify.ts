import { ChainChecker, type ChainHead, type ChainVerdict } from '@gov/contract';
import { asc, gt } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import { auditLog } from '../db/schema/index.ts';

export type { ChainVerdict };

const PAGE = 1000;

export interface ChainCheckOptions {
  /**
   * Signed positions the chain must still hold: a record there with another
   * hash is `rewritten`, a chain that ends before the furthest is `truncated`.
   */
  checkpoints?: Iterable<ChainHead>;
  /**
   * Resume after a prefix verified earlier: the walk starts at `from.seq`,
   * whose record must still have `from.hash` (and must still exist).
   */
  from?: ChainHead;
}

/**
 * The chain from the database, checked from its first record (or from
 * `from`), against the checkpoints given.
 *
 * @example
 * const verdict = await verifyAuditChain(db, { checkpoints: [{ seq: 300, hash }] });
 * if (!verdict.ok) console.log(verdict.reason, verdict.brokenAt); // 'truncated', 251
 */
export async function verifyAuditChain(
  db: Database,
  options: ChainCheckOptions = {},
): Promise<ChainVerdict> {
  const checker = new ChainChecker(options);
  let after = Math.max((options.from?.seq ?? 0) - 1, 0);
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
