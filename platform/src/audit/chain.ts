import { createHash } from 'node:crypto';
import type { AuditRecordRow } from '../db/schema/index.ts';

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
export function recordHash(record: Omit<AuditRecordRow, 'hash'>): string {
  const { prevHash, ...fields } = record;
  const body = canonicalJson({ ...fields, at: fields.at.toISOString() });
  return createHash('sha256').update(`${prevHash}\n${body}`).digest('hex');
}
