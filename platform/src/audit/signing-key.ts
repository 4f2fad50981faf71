import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { auditKeyId } from '@gov/contract';
import { ConfigError } from '../config.ts';

/** The key the platform signs audit checkpoints with, and its public half. */
export interface AuditSigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicKeyPem: string;
  keyId: string;
}

/** Where the generated key lives on the embedded default: beside the database, never in it. */
export const signingKeyFile = (dataDir: string) => path.join(dataDir, 'audit-signing-key');

/** The public half, published beside the checkpoints for anyone to check them. */
export const publicKeyFile = (dataDir: string) => path.join(dataDir, 'audit-public-key.pem');

/**
 * The audit signing key (Ed25519): from GOV_AUDIT_SIGNING_KEY (PKCS#8 PEM,
 * or base64 of it; a Kubernetes Secret, mounted only into the control
 * plane) or, on the embedded default, a file in the data directory that
 * only the platform's user can read. The database role never sees it, so
 * someone who can rewrite `audit_log` cannot sign a checkpoint of the
 * rewritten chain. The public half is written to `audit-public-key.pem`.
 */
export async function loadAuditSigningKey(
  dataDir: string,
  fromEnv: string | undefined,
): Promise<AuditSigningKey> {
  const privateKey = fromEnv ? keyFromEnv(fromEnv) : await keyFromFile(dataDir);
  const publicKey = createPublicKey(privateKey);
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  // 0600 like everything in the data directory: the API is where it is published.
  await writeFile(publicKeyFile(dataDir), publicKeyPem, { mode: 0o600 });
  return { privateKey, publicKey, publicKeyPem, keyId: auditKeyId(publicKey) };
}

/** The published public key, as the API serves it; undefined before any control plane wrote it. */
export async function readAuditPublicKey(
  dataDir: string,
): Promise<Omit<AuditSigningKey, 'privateKey'> | undefined> {
  const pem = await readFile(publicKeyFile(dataDir), 'utf8').catch(() => undefined);
  if (!pem) return undefined;
  const publicKey = createPublicKey(pem);
  return { publicKey, publicKeyPem: pem, keyId: auditKeyId(publicKey) };
}

function keyFromEnv(value: string): KeyObject {
  const trimmed = value.trim();
  const pem = trimmed.startsWith('-----BEGIN')
    ? trimmed
    : Buffer.from(trimmed, 'base64').toString('utf8').trim();
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new ConfigError(
      'invalid configuration:\n  GOV_AUDIT_SIGNING_KEY: not a PKCS#8 PEM private key (nor base64 of one)',
    );
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new ConfigError(
      `invalid configuration:\n  GOV_AUDIT_SIGNING_KEY: an Ed25519 key is needed, not ${key.asymmetricKeyType}; create one with \`openssl genpkey -algorithm ed25519\``,
    );
  }
  return key;
}

async function keyFromFile(dataDir: string): Promise<KeyObject> {
  const file = signingKeyFile(dataDir);
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing?.trim()) return createPrivateKey(existing);
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  // wx: two processes starting together keep the first one written.
  await writeFile(file, pem, { mode: 0o600, flag: 'wx' }).catch(() => {});
  return createPrivateKey(await readFile(file, 'utf8'));
}
