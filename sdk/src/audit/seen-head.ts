import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ChainHead } from '@gov/contract';
import { credentialsFile } from '../auth/credentials.ts';
import { UserError } from '../cli/errors.ts';

/** A head of the audit chain that `gov audit verify` saw, remembered per API URL. */
export interface SeenAuditHead extends ChainHead {
  /** When it was seen (ISO 8601). */
  seenAt: string;
  /**
   * How it was seen: `records` recomputed here (operators), a signed
   * `checkpoint`, or the `server`'s verdict when it had no checkpoint yet.
   */
  source: 'records' | 'checkpoint' | 'server';
  /** The signing key the platform published then: a different one later is reported. */
  keyId: string | null;
}

/** Next to the credentials of `gov login`, readable by the user only. */
export function seenHeadsFile(env: NodeJS.ProcessEnv): string {
  return path.join(path.dirname(credentialsFile(env)), 'audit-heads.json');
}

async function readAll(env: NodeJS.ProcessEnv): Promise<Record<string, SeenAuditHead>> {
  try {
    const value = JSON.parse(await readFile(seenHeadsFile(env), 'utf8')) as unknown;
    return value && typeof value === 'object' ? (value as Record<string, SeenAuditHead>) : {};
  } catch {
    return {};
  }
}

/**
 * The head last seen on this API, if any.
 *
 * @example
 * const seen = await seenAuditHead(process.env, 'https://gov.example.ml');
 * if (seen) console.log(`record ${seen.seq} seen on ${seen.seenAt}`);
 */
export async function seenAuditHead(
  env: NodeJS.ProcessEnv,
  apiUrl: string,
): Promise<SeenAuditHead | undefined> {
  return (await readAll(env))[apiUrl];
}

/** Remembers `head` for this API; the file is created 0600 in a 0700 folder. */
export async function saveSeenAuditHead(
  env: NodeJS.ProcessEnv,
  apiUrl: string,
  head: SeenAuditHead,
): Promise<string> {
  const file = seenHeadsFile(env);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const all = await readAll(env);
  all[apiUrl] = head;
  await writeFile(file, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return file;
}

/** What the chain looks like now, at the position seen before. */
export interface ObservedChain {
  /** How many records the chain has now. */
  records: number;
  /** The hash of the record at the seen position now, when it can be known. */
  hashAtSeen: string | undefined;
}

/**
 * The seen head against the chain now: shorter is a truncation, another hash
 * at that position a rewrite. Undefined when nothing contradicts it.
 *
 * @example
 * const problem = compareWithSeen(seen, { records: 120, hashAtSeen: 'ab…' });
 * if (problem) throw problem;
 */
export function compareWithSeen(
  seen: SeenAuditHead,
  observed: ObservedChain,
): UserError | undefined {
  const when = seen.seenAt.slice(0, 10);
  const hint =
    'treat this as a security incident: tell the platform security officer, and keep your copy of the checkpoints';
  if (observed.records < seen.seq) {
    return new UserError(
      'audit_log_truncated',
      `the audit log was truncated after record ${observed.records}: you saw it reach record ${seen.seq} on ${when}`,
      { hint },
    );
  }
  if (observed.hashAtSeen !== undefined && observed.hashAtSeen !== seen.hash) {
    return new UserError(
      'audit_log_rewritten',
      `the audit log was rewritten at or before record ${seen.seq}, which you saw on ${when}: its hash was ${seen.hash.slice(0, 12)}…, it is now ${observed.hashAtSeen.slice(0, 12)}…`,
      { hint },
    );
  }
  return undefined;
}
