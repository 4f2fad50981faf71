import { createHash, type KeyObject, verify } from 'node:crypto';
import { z } from 'zod';

/** One record of the platform's audit log, as hashed: the same shape on both sides of the API. */
export interface AuditRecord {
  /** Chain position: part of the hash, so a gap shows. */
  seq: number;
  at: Date;
  actorType: 'token' | 'member' | 'system' | 'anonymous';
  actorId: string;
  /** resource.verb, like "deployment.create". */
  action: string;
  targetType: string;
  targetId: string | null;
  ministryId: string | null;
  sourceIp: string | null;
  tokenId: string | null;
  outcome: 'success' | 'denied' | 'failure';
  details: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

/** The hash the first record points back to. */
export const GENESIS_HASH = '0'.repeat(64);

/** JSON with keys sorted at every level: the same record always gives the same bytes. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * A record's hash covers its position, every field and the previous hash, so
 * changing, removing or reordering any record breaks every link after it.
 */
export function recordHash(record: Omit<AuditRecord, 'hash'>): string {
  const { prevHash, ...fields } = record;
  const body = canonicalJson({ ...fields, at: fields.at.toISOString() });
  return createHash('sha256').update(`${prevHash}\n${body}`).digest('hex');
}

/**
 * Why a chain does not hold. The first three are the chain's own links; the
 * next two compare it with a position someone recorded earlier (a signed
 * checkpoint, or the head a verifier saw): `truncated` when the chain now
 * ends before it, `rewritten` when the record there has another hash (a
 * record at or before it was changed and every later one rehashed).
 * `bad_checkpoint` is the server's: its checkpoint file holds a statement
 * whose signature does not hold.
 */
export type ChainBreak =
  | 'hash_mismatch'
  | 'prev_hash_mismatch'
  | 'sequence_gap'
  | 'truncated'
  | 'rewritten'
  | 'bad_checkpoint';

export type ChainVerdict =
  | { ok: true; records: number; headHash: string }
  | {
      ok: false;
      /** Intact records before the break. */
      records: number;
      /** The first record whose link does not hold (0: none can be named). */
      brokenAt: number;
      reason: ChainBreak;
    };

/** A position in the chain: the record at `seq` has `hash` (seq 0 is the empty chain). */
export interface ChainHead {
  seq: number;
  hash: string;
}

/**
 * Walks the chain record by record, in order, and stops at the first broken
 * link: an altered record, a removed one (a gap in seq or a prevHash that no
 * longer matches), or records out of order. Known positions (signed
 * checkpoints, a head seen before) must still hold their hash, and the chain
 * must reach the furthest of them: that is what catches the last records
 * removed, or a record rewritten with every later one rehashed. Pure, so the
 * server and the CLI (which recomputes from downloaded records) check
 * exactly the same way.
 *
 * `from` resumes after a prefix verified earlier: the first record fed is
 * the one at `from.seq`, which must still have `from.hash`.
 *
 * @example
 * const checker = new ChainChecker({ checkpoints: [{ seq: 3, hash: 'ab12…' }] });
 * for (const record of records) if (checker.push(record)) break;
 * console.log(checker.verdict); // read once every record is fed
 */
export class ChainChecker {
  #prevHash = GENESIS_HASH;
  #expectedSeq = 1;
  #broken: ChainVerdict | undefined;
  /** The record fed first when resuming: its link backwards was checked before. */
  #anchor: ChainHead | undefined;
  /** Hashes recorded for a position; more than one only if statements disagree. */
  #known = new Map<number, Set<string>>();
  /** The chain must be at least this long. */
  #mustReach = 0;
  /** The furthest position found to still hold its recorded hash. */
  #confirmed = 0;

  constructor(options: { from?: ChainHead; checkpoints?: Iterable<ChainHead> } = {}) {
    const known = [...(options.checkpoints ?? [])];
    const { from } = options;
    if (from && from.seq > 0) {
      this.#anchor = from;
      this.#expectedSeq = from.seq;
      known.push(from);
    }
    for (const { seq, hash } of known) {
      if (seq < 1) continue;
      const hashes = this.#known.get(seq) ?? new Set<string>();
      this.#known.set(seq, hashes.add(hash));
      this.#mustReach = Math.max(this.#mustReach, seq);
    }
  }

  /** Feeds the next record; returns the verdict once the chain is broken. */
  push(row: AuditRecord): ChainVerdict | undefined {
    if (this.#broken) return this.#broken;
    const records = this.#expectedSeq - 1;
    const anchored = this.#anchor !== undefined && row.seq === this.#anchor.seq;
    const { hash, ...rest } = row;
    if (row.seq !== this.#expectedSeq) {
      this.#broken = { ok: false, records, brokenAt: this.#expectedSeq, reason: 'sequence_gap' };
    } else if (!anchored && row.prevHash !== this.#prevHash) {
      this.#broken = { ok: false, records, brokenAt: row.seq, reason: 'prev_hash_mismatch' };
    } else if (recordHash(rest) !== hash) {
      this.#broken = { ok: false, records, brokenAt: row.seq, reason: 'hash_mismatch' };
    } else if (this.#known.has(row.seq) && !this.#holds(row.seq, hash)) {
      // The links hold but not the recorded hash: rewritten and rehashed
      // somewhere after the last position that still matched.
      const intact = this.#confirmed;
      this.#broken = { ok: false, records: intact, brokenAt: row.seq, reason: 'rewritten' };
    } else {
      if (this.#known.has(row.seq)) this.#confirmed = row.seq;
      this.#prevHash = hash;
      this.#expectedSeq += 1;
    }
    return this.#broken;
  }

  #holds(seq: number, hash: string): boolean {
    const hashes = this.#known.get(seq);
    return hashes !== undefined && hashes.size === 1 && hashes.has(hash);
  }

  /** The verdict once every record was fed: a chain shorter than a known position is truncated. */
  get verdict(): ChainVerdict {
    if (this.#broken) return this.#broken;
    const records = this.#expectedSeq - 1;
    if (records < this.#mustReach) {
      return { ok: false, records, brokenAt: records + 1, reason: 'truncated' };
    }
    return { ok: true, records, headHash: this.#prevHash };
  }
}

/**
 * A signed statement of the chain's head at a moment, published outside the
 * database (a file the operator keeps, served by `GET /v1/audit/checkpoints`):
 * whoever can rewrite the table cannot sign, so a later chain that is
 * shorter, or different at `seq`, shows.
 */
export interface AuditCheckpoint extends ChainHead {
  /** When it was signed (ISO 8601). */
  at: string;
  /** The signing key: see `auditKeyId`. */
  keyId: string;
  /** Ed25519 over `checkpointStatement(…)`, base64. */
  signature: string;
}

export const auditCheckpointSchema = z.strictObject({
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  at: z.iso.datetime({ offset: true }),
  keyId: z.string().regex(/^[0-9a-f]{16,64}$/),
  signature: z.string().max(200),
});

/**
 * The exact bytes a checkpoint's signature covers; the prefix keeps a
 * signature over anything else from ever passing for a checkpoint.
 */
export function checkpointStatement(checkpoint: Omit<AuditCheckpoint, 'signature'>): Buffer {
  const { seq, hash, at, keyId } = checkpoint;
  return Buffer.from(`gov-audit-checkpoint/v1\n${canonicalJson({ seq, hash, at, keyId })}`);
}

/** A key's short name: sha256 of its public half (SubjectPublicKeyInfo, DER), 32 hex digits. */
export function auditKeyId(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 32);
}

/**
 * Whether `publicKey` (Ed25519) signed this checkpoint.
 *
 * @example
 * const key = createPublicKey(pem);
 * const forged = checkpoints.filter((c) => !checkpointSignatureValid(c, key));
 */
export function checkpointSignatureValid(
  checkpoint: AuditCheckpoint,
  publicKey: KeyObject,
): boolean {
  if (checkpoint.keyId !== auditKeyId(publicKey)) return false;
  try {
    const { signature, ...statement } = checkpoint;
    return verify(
      null,
      checkpointStatement(statement),
      publicKey,
      Buffer.from(signature, 'base64'),
    );
  } catch {
    return false;
  }
}

/** What `GET /v1/audit/verify` answers: the chain's verdict, and what it was checked against. */
export type AuditVerification = ChainVerdict & {
  /** `full` walked the chain from its first record; `incremental` from the last verified head. */
  scope: 'full' | 'incremental';
  /** The newest signed checkpoint the chain was compared with. */
  checkpoint: AuditCheckpoint | null;
  /** Statements in the checkpoint file that are not validly signed checkpoints. */
  rejectedCheckpoints: number;
  checkedAt: string;
  /** When the server last walked the whole chain. */
  lastFullAt: string | null;
};

/** What `GET /v1/audit/public-key` answers: the key checkpoints are signed with. */
export interface AuditPublicKeyResource {
  algorithm: 'Ed25519';
  keyId: string;
  /** SubjectPublicKeyInfo, PEM. */
  publicKeyPem: string;
}

/** One page of `GET /v1/audit/checkpoints`, newest first, as the file holds them (unchecked). */
export interface AuditCheckpointPage {
  checkpoints: AuditCheckpoint[];
  /** Cursor for the next (older) page: pass it as `before`. */
  next: number | null;
}
