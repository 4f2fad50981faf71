import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * AES-256-GCM, the one cipher secrets at rest use: a 12-byte random nonce,
 * then the ciphertext, then the 16-byte tag, in one buffer. The associated
 * data binds a ciphertext to where it belongs (a ministry's data key to that
 * ministry, a secret to its app and name), so rows swapped in the database
 * fail to open instead of handing one app another's secret.
 */
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;

export function seal(key: Uint8Array, plaintext: Uint8Array, associatedData: string): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

/** Opens what `seal` made; throws if the bytes, the key or the associated data differ. */
export function open(key: Uint8Array, sealed: Uint8Array, associatedData: string): Buffer {
  const bytes = Buffer.from(sealed);
  if (bytes.length < NONCE_BYTES + TAG_BYTES) throw new Error('sealed value is truncated');
  const nonce = bytes.subarray(0, NONCE_BYTES);
  const tag = bytes.subarray(bytes.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(Buffer.from(associatedData, 'utf8'));
  decipher.setAuthTag(tag);
  return Buffer.concat([
    decipher.update(bytes.subarray(NONCE_BYTES, bytes.length - TAG_BYTES)),
    decipher.final(),
  ]);
}

/** A short public name for a key, stored beside what it wrapped: never the key itself. */
export function keyId(key: Uint8Array): string {
  return createHash('sha256').update('gov-master-key-id').update(key).digest('hex').slice(0, 16);
}
