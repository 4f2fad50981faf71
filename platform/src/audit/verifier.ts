import {
  type AuditCheckpoint,
  type AuditVerification,
  type ChainHead,
  type ChainVerdict,
  checkpointSignatureValid,
} from '@gov/contract';
import type { Database } from '../db/database.ts';
import { checkpointFileIn } from './checkpoint-file.ts';
import { readAuditPublicKey } from './signing-key.ts';
import { verifyAuditChain } from './verify.ts';

/** A verdict this fresh is answered again as is: auditors polling cost nothing. */
const CACHE_MS = 5_000;
/** An incremental check cannot see a record edited in place (without rehashing) before the head it resumes from; a full walk this often can. */
const FULL_EVERY_MS = 60 * 60_000;

/**
 * The server's check of the audit chain against the signed checkpoints,
 * incremental: it remembers (in memory) the head it last verified and the
 * checkpoints it already compared, and walks only the records after them,
 * re-reading the record at that head so a cut or a rewrite-and-rehash
 * before it still shows. A full walk runs on the first check, when asked
 * (`?full=true`, operators) and at least hourly. Concurrent checks share one
 * walk, and a verdict younger than 5 s is answered as is.
 */
export class AuditChainVerifier {
  readonly #db: Database;
  readonly #dataDir: string;
  readonly #cacheMs: number;
  readonly #fullEveryMs: number;
  /** The head the last successful walk ended at. */
  #verified: ChainHead | undefined;
  /** The newest validly signed checkpoint the chain was found to agree with. */
  #newest: AuditCheckpoint | null = null;
  /** Validly signed checkpoints not yet compared with the chain. */
  #pending: AuditCheckpoint[] = [];
  /** How many statements of the file had their signature checked. */
  #signed = 0;
  #forged = 0;
  #firstForgedSeq: number | undefined;
  #lastFullAt: Date | null = null;
  #cached: { verdict: AuditVerification; at: number } | undefined;
  #running: { full: boolean; verdict: Promise<AuditVerification> } | undefined;

  constructor(deps: { db: Database; dataDir: string; cacheMs?: number; fullEveryMs?: number }) {
    this.#db = deps.db;
    this.#dataDir = deps.dataDir;
    this.#cacheMs = deps.cacheMs ?? CACHE_MS;
    this.#fullEveryMs = deps.fullEveryMs ?? FULL_EVERY_MS;
  }

  async verify(options: { full?: boolean } = {}): Promise<AuditVerification> {
    const full = options.full === true;
    // One walk at a time: a check asked during one shares it, unless it
    // needs a full walk and that one is not; then it waits and goes again.
    for (let running = this.#running; running; running = this.#running) {
      if (running.full || !full) return running.verdict;
      await running.verdict.catch(() => {});
    }
    const cached = this.#cached;
    if (!full && cached && Date.now() - cached.at < this.#cacheMs) return cached.verdict;
    const wholeChain =
      full ||
      this.#verified === undefined ||
      this.#lastFullAt === null ||
      Date.now() - this.#lastFullAt.getTime() > this.#fullEveryMs;
    const verdict = this.#check(wholeChain).finally(() => {
      this.#running = undefined;
    });
    this.#running = { full: wholeChain, verdict };
    return verdict;
  }

  async #check(full: boolean): Promise<AuditVerification> {
    const rejected = await this.#readCheckpoints();
    const pending = this.#pending;
    const known: ChainHead[] = [...pending];
    if (this.#verified) known.push(this.#verified);
    if (this.#newest) known.push(this.#newest);
    let from: ChainHead | undefined;
    if (!full && this.#verified) {
      // Start at the earliest position not yet compared: the last verified
      // head, or a checkpoint signed since of a record before it.
      from = pending.reduce<ChainHead>((a, b) => (b.seq < a.seq ? b : a), this.#verified);
    }
    const chain = await verifyAuditChain(this.#db, { from, checkpoints: known });
    const newestKnown = [this.#newest, ...pending].reduce<AuditCheckpoint | null>(
      (a, b) => (b && (!a || b.seq > a.seq) ? b : a),
      null,
    );
    const checkedAt = new Date();
    if (chain.ok) {
      this.#verified = { seq: chain.records, hash: chain.headHash };
      this.#newest = newestKnown;
      this.#pending = [];
      if (full) this.#lastFullAt = checkedAt;
    }
    let verdict: ChainVerdict = chain;
    if (chain.ok && rejected > 0) {
      verdict = {
        ok: false,
        records: chain.records,
        brokenAt: this.#firstForgedSeq ?? 0,
        reason: 'bad_checkpoint',
      };
    }
    const answer: AuditVerification = {
      ...verdict,
      scope: full ? 'full' : 'incremental',
      checkpoint: newestKnown,
      rejectedCheckpoints: rejected,
      checkedAt: checkedAt.toISOString(),
      lastFullAt: this.#lastFullAt?.toISOString() ?? null,
    };
    this.#cached = { verdict: answer, at: checkedAt.getTime() };
    return answer;
  }

  /** Checks the signatures of statements appended since last time; how many the file holds that do not hold. */
  async #readCheckpoints(): Promise<number> {
    const contents = await checkpointFileIn(this.#dataDir).read();
    const fresh = contents.checkpoints.slice(this.#signed);
    const key = await readAuditPublicKey(this.#dataDir);
    let unverifiable = 0;
    if (!key) {
      // No public key to check against: nothing here can be trusted, yet.
      unverifiable = fresh.length;
    } else {
      for (const checkpoint of fresh) {
        if (checkpointSignatureValid(checkpoint, key.publicKey)) {
          this.#pending.push(checkpoint);
        } else {
          this.#forged += 1;
          this.#firstForgedSeq ??= checkpoint.seq;
        }
      }
      this.#signed = contents.checkpoints.length;
    }
    return this.#forged + unverifiable + contents.unreadableLines + (contents.shortened ? 1 : 0);
  }
}

const verifiers = new WeakMap<Database, Map<string, AuditChainVerifier>>();

/** The verifier of this database and checkpoint file, kept for the life of the process. */
export function auditVerifierFor(db: Database, dataDir: string): AuditChainVerifier {
  let byDir = verifiers.get(db);
  if (!byDir) {
    byDir = new Map();
    verifiers.set(db, byDir);
  }
  let verifier = byDir.get(dataDir);
  if (!verifier) {
    verifier = new AuditChainVerifier({ db, dataDir });
    byDir.set(dataDir, verifier);
  }
  return verifier;
}
