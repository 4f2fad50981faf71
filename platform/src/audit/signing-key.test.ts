import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  loadAuditSigningKey,
  publicKeyFile,
  readAuditPublicKey,
  signingKeyFile,
} from './signing-key.ts';

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'gov-signing-key-'));
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

describe('the audit signing key', () => {
  it('is generated once in the data directory, readable by the platform only, and kept', async () => {
    const first = await loadAuditSigningKey(dataDir, undefined);
    expect(first.privateKey.asymmetricKeyType).toBe('ed25519');
    expect((await stat(signingKeyFile(dataDir))).mode & 0o777).toBe(0o600);
    const again = await loadAuditSigningKey(dataDir, undefined);
    expect(again.keyId).toBe(first.keyId);
    const message = Buffer.from('checkpoint');
    expect(verify(null, message, again.publicKey, sign(null, message, first.privateKey))).toBe(
      true,
    );
  });

  it('publishes its public half beside the checkpoints', async () => {
    const key = await loadAuditSigningKey(dataDir, undefined);
    expect(await readFile(publicKeyFile(dataDir), 'utf8')).toBe(key.publicKeyPem);
    expect(key.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect((await readAuditPublicKey(dataDir))?.keyId).toBe(key.keyId);
  });

  it('comes from GOV_AUDIT_SIGNING_KEY, as PEM or base64 of it, before any file', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const dir = await mkdtemp(path.join(tmpdir(), 'gov-signing-env-'));
    try {
      const fromPem = await loadAuditSigningKey(dir, pem);
      const fromBase64 = await loadAuditSigningKey(dir, Buffer.from(pem).toString('base64'));
      expect(fromBase64.keyId).toBe(fromPem.keyId);
      await expect(stat(signingKeyFile(dir))).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a value that is not an Ed25519 private key, naming the variable', async () => {
    await expect(loadAuditSigningKey(dataDir, 'not a key')).rejects.toMatchObject({
      code: 'invalid_config',
      message: expect.stringContaining('GOV_AUDIT_SIGNING_KEY'),
    });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    await expect(loadAuditSigningKey(dataDir, rsa)).rejects.toThrow(/Ed25519 key is needed/);
  });
});
