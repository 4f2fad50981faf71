import { open } from 'node:fs/promises';
import path from 'node:path';
import { type AuditCheckpoint, auditCheckpointSchema } from '@gov/contract';

/**
 * Where checkpoints are kept: one JSON object a line, appended, never
 * rewritten, in the data directory (0600). It is the file the operator keeps
 * (copy it off the machine to make it worth more than the database).
 *
 * Several replicas on Kubernetes have no shared data directory: the leader
 * writes, and the others read, a shared volume (ReadWriteMany) or an
 * object-store prefix with object lock. Not done yet; today each control
 * plane reads the file in its own data directory.
 */
export const checkpointFile = (dataDir: string) => path.join(dataDir, 'audit-checkpoints.jsonl');

/** Appends one checkpoint and waits until it is on disk. */
export async function appendCheckpoint(dataDir: string, checkpoint: AuditCheckpoint) {
  // One write of one short line on an O_APPEND descriptor: lines never interleave.
  const handle = await open(checkpointFile(dataDir), 'a', 0o600);
  try {
    await handle.write(`${JSON.stringify(checkpoint)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** What the file holds, as read so far. Statements are unchecked: signatures are the reader's job. */
export interface CheckpointFileContents {
  /** Every well-formed statement, in the order written (oldest first). */
  checkpoints: readonly AuditCheckpoint[];
  /** Lines that are not a checkpoint at all. */
  unreadableLines: number;
  /** The file got shorter than what was read before: someone rewrote it. */
  shortened: boolean;
}

/**
 * Reads the checkpoint file as it grows: each read parses only the lines
 * appended since the last, so a year of checkpoints is read once. What was
 * read stays in memory even if the file is later cut or rewritten, which is
 * then reported (`shortened`).
 */
export class CheckpointFile {
  readonly file: string;
  #checkpoints: AuditCheckpoint[] = [];
  #unreadable = 0;
  #shortened = false;
  #offset = 0;
  /** Bytes of a line not finished yet (read while it was being written). */
  #partial = '';
  #reading: Promise<CheckpointFileContents> | undefined;

  constructor(dataDir: string) {
    this.file = checkpointFile(dataDir);
  }

  read(): Promise<CheckpointFileContents> {
    this.#reading ??= this.#readNew().finally(() => {
      this.#reading = undefined;
    });
    return this.#reading;
  }

  async #readNew(): Promise<CheckpointFileContents> {
    const handle = await open(this.file, 'r').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (handle) {
      try {
        const { size } = await handle.stat();
        if (size < this.#offset) {
          this.#shortened = true;
          this.#partial = '';
          this.#offset = size;
        }
        if (size > this.#offset) {
          const bytes = Buffer.alloc(size - this.#offset);
          const { bytesRead } = await handle.read(bytes, 0, bytes.length, this.#offset);
          this.#offset += bytesRead;
          this.#take(this.#partial + bytes.subarray(0, bytesRead).toString('utf8'));
        }
      } finally {
        await handle.close();
      }
    } else if (this.#offset > 0) {
      this.#shortened = true;
      this.#offset = 0;
      this.#partial = '';
    }
    return {
      checkpoints: this.#checkpoints,
      unreadableLines: this.#unreadable,
      shortened: this.#shortened,
    };
  }

  #take(text: string) {
    const lines = text.split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      const parsed = auditCheckpointSchema.safeParse(parseJson(line));
      if (parsed.success) this.#checkpoints.push(parsed.data);
      else this.#unreadable += 1;
    }
  }
}

function parseJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

const files = new Map<string, CheckpointFile>();

/** One reader per file in this process, shared by the routes and the verifier. */
export function checkpointFileIn(dataDir: string): CheckpointFile {
  const file = checkpointFile(dataDir);
  let reader = files.get(file);
  if (!reader) {
    reader = new CheckpointFile(dataDir);
    files.set(file, reader);
  }
  return reader;
}
