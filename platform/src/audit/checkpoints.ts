import { sign } from 'node:crypto';
import {
  type AuditCheckpoint,
  type ChainHead,
  checkpointSignatureValid,
  checkpointStatement,
} from '@gov/contract';
import type { Database } from '../db/database.ts';
import { appendCheckpoint, checkpointFileIn } from './checkpoint-file.ts';
import type { AuditSigningKey } from './signing-key.ts';
import { verifyAuditChain } from './verify.ts';

/** How often the leader signs the head, when it moved. */
export const AUDIT_CHECKPOINT_INTERVAL_MS = 60_000;

/** A checkpoint of `head`, signed now with `key`. */
export function signCheckpoint(
  head: ChainHead,
  key: Pick<AuditSigningKey, 'privateKey' | 'keyId'>,
  at = new Date(),
): AuditCheckpoint {
  const statement = { seq: head.seq, hash: head.hash, at: at.toISOString(), keyId: key.keyId };
  const signature = sign(null, checkpointStatement(statement), key.privateKey).toString('base64');
  return { ...statement, signature };
}

/**
 * Signs the chain's head now and then, and appends it to the checkpoint file
 * in the data directory. Before signing it checks the records written since
 * its previous checkpoint, and that the record there still has the signed
 * hash: it never signs a chain that was cut or rewritten. Runs on the
 * leading control plane only.
 *
 * @example
 * const checkpointer = new AuditCheckpointer({ db, dataDir, signingKey, log });
 * checkpointer.start(AUDIT_CHECKPOINT_INTERVAL_MS);
 * // … at shutdown, one last checkpoint:
 * await checkpointer.stop();
 */
export class AuditCheckpointer {
  readonly #db: Database;
  readonly #dataDir: string;
  readonly #key: AuditSigningKey;
  readonly #log: (entry: Record<string, unknown>) => void;
  #timer: NodeJS.Timeout | undefined;
  #started = false;
  #running: Promise<AuditCheckpoint | undefined> | undefined;
  /** The newest checkpoint validly signed with this key, and how much of the file was checked for it. */
  #latest: AuditCheckpoint | undefined;
  #checked = 0;

  constructor(deps: {
    db: Database;
    dataDir: string;
    signingKey: AuditSigningKey;
    log: (entry: Record<string, unknown>) => void;
  }) {
    this.#db = deps.db;
    this.#dataDir = deps.dataDir;
    this.#key = deps.signingKey;
    this.#log = deps.log;
  }

  /** A checkpoint now, then every `intervalMs` while the head moves. */
  start(intervalMs: number): void {
    if (this.#started) return;
    this.#started = true;
    const tick = () =>
      void this.checkpointNow().catch((error: Error) =>
        this.#log({
          level: 'error',
          component: 'audit',
          message: `audit checkpoint failed: ${error.message}`,
        }),
      );
    tick();
    this.#timer = setInterval(tick, intervalMs);
    this.#timer.unref();
  }

  /** Signs the current head if it moved; the checkpoint written, or undefined. */
  checkpointNow(): Promise<AuditCheckpoint | undefined> {
    this.#running ??= this.#checkpoint().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** Stops the timer and, if it was started, takes a last checkpoint. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running?.catch(() => {});
    if (!this.#started) return;
    this.#started = false;
    await this.checkpointNow().catch((error: Error) =>
      this.#log({
        level: 'error',
        component: 'audit',
        message: `last audit checkpoint failed: ${error.message}`,
      }),
    );
  }

  async #checkpoint(): Promise<AuditCheckpoint | undefined> {
    const previous = await this.#latestSigned();
    const verdict = await verifyAuditChain(this.#db, previous ? { from: previous } : {});
    if (!verdict.ok) {
      this.#log({
        level: 'error',
        component: 'audit',
        message: `audit log broken at record ${verdict.brokenAt} (${verdict.reason}): no checkpoint signed; run \`gov audit verify\``,
      });
      return undefined;
    }
    if (verdict.records === 0 || verdict.records === previous?.seq) return undefined;
    const checkpoint = signCheckpoint({ seq: verdict.records, hash: verdict.headHash }, this.#key);
    await appendCheckpoint(this.#dataDir, checkpoint);
    this.#latest = checkpoint;
    return checkpoint;
  }

  /** The furthest checkpoint in the file this key signed: the chain must still agree with it. */
  async #latestSigned(): Promise<AuditCheckpoint | undefined> {
    const { checkpoints } = await checkpointFileIn(this.#dataDir).read();
    for (const checkpoint of checkpoints.slice(this.#checked)) {
      if (
        checkpoint.seq > (this.#latest?.seq ?? 0) &&
        checkpointSignatureValid(checkpoint, this.#key.publicKey)
      ) {
        this.#latest = checkpoint;
      }
    }
    this.#checked = checkpoints.length;
    return this.#latest;
  }
}
