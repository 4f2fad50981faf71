import { randomBytes } from 'node:crypto';

const prefixes = {
  ministry: 'min',
  app: 'app',
  deployment: 'dep',
  token: 'tok',
  member: 'mem',
  request: 'req',
  secret: 'sec',
  cronRun: 'cron',
} as const;

export type IdKind = keyof typeof prefixes;

/**
 * The one place ids are made: a prefix that says what the id names, then 16
 * random bytes in lowercase base32 (sortable enough, unguessable, and safe
 * in URLs, hostnames and logs).
 */
export function newId(kind: IdKind): string {
  return `${prefixes[kind]}_${base32(randomBytes(16))}`;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

function base32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}
