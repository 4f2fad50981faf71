import { createPublicKey, type KeyObject } from 'node:crypto';
import {
  type AuditCheckpoint,
  type AuditCheckpointPage,
  type AuditPublicKeyResource,
  auditKeyId,
  checkpointSignatureValid,
} from '@gov/contract';
import { isUserError } from '../cli/errors.ts';
import type { GovClient } from '../client/gov-client.ts';

/** The platform's audit signing key, with its id computed here (not taken from the answer). */
export interface AuditPublicKey {
  key: KeyObject;
  keyId: string;
}

/**
 * The key checkpoints are signed with, or undefined when the platform
 * publishes none (a platform from before signed checkpoints).
 *
 * @example
 * const key = await fetchAuditPublicKey(client);
 */
export async function fetchAuditPublicKey(client: GovClient): Promise<AuditPublicKey | undefined> {
  try {
    const answer = await client.raw<AuditPublicKeyResource>('GET', '/v1/audit/public-key');
    const key = createPublicKey(answer.publicKeyPem);
    return { key, keyId: auditKeyId(key) };
  } catch (error) {
    if (isUserError(error) && error.code === 'not_found') return undefined;
    throw error;
  }
}

/**
 * The published checkpoints, newest first, down to the first one before
 * record `downTo` (older ones were compared on an earlier run).
 *
 * @example
 * const checkpoints = await fetchCheckpoints(client, seen?.seq ?? 0);
 */
export async function fetchCheckpoints(
  client: GovClient,
  downTo: number,
): Promise<AuditCheckpoint[]> {
  const all: AuditCheckpoint[] = [];
  let before: number | null = null;
  for (;;) {
    const cursor: string = before === null ? '' : `&before=${before}`;
    let page: AuditCheckpointPage;
    try {
      page = await client.raw<AuditCheckpointPage>(
        'GET',
        `/v1/audit/checkpoints?limit=1000${cursor}`,
      );
    } catch (error) {
      // A platform from before signed checkpoints has no such route.
      if (isUserError(error) && error.code === 'not_found') return all;
      throw error;
    }
    all.push(...page.checkpoints);
    const oldest = page.checkpoints.at(-1);
    if (page.next === null || !oldest || oldest.seq < downTo) return all;
    before = page.next;
  }
}

/** Splits checkpoints by whether `key` signed them. */
export function checkSignatures(checkpoints: AuditCheckpoint[], key: KeyObject) {
  const valid: AuditCheckpoint[] = [];
  const forged: AuditCheckpoint[] = [];
  for (const c of checkpoints) (checkpointSignatureValid(c, key) ? valid : forged).push(c);
  return { valid, forged };
}
