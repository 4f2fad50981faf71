import type { AuditPublicKeyResource } from '@gov/contract';
import { readAuditPublicKey } from '../../audit/signing-key.ts';
import { access } from '../../auth/access.ts';
import { notFound } from '../../errors.ts';
import { defineRoute } from '../../http/route.ts';

export type AuditPublicKeyResponse = AuditPublicKeyResource;

/**
 * The key audit checkpoints are signed with (Ed25519, PEM). Public: it is
 * what lets anyone check a checkpoint, and pin the key to notice it change.
 */
export const getAuditPublicKey = defineRoute({
  method: 'get',
  path: '/v1/audit/public-key',
  access: access.public,
  handler: async (c) => {
    const key = await readAuditPublicKey(c.get('config').dataDir);
    if (!key) {
      throw notFound(
        'the audit signing key',
        'the control plane publishes it when it starts; ask the platform team',
      );
    }
    const body: AuditPublicKeyResponse = {
      algorithm: 'Ed25519',
      keyId: key.keyId,
      publicKeyPem: key.publicKeyPem,
    };
    return c.json(body);
  },
});
