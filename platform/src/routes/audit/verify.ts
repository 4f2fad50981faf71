import type { AuditVerification } from '@gov/contract';
import { z } from 'zod';
import { auditVerifierFor } from '../../audit/verifier.ts';
import { access } from '../../auth/access.ts';
import { ApiError } from '../../errors.ts';
import { defineRoute } from '../../http/route.ts';
import { validate } from '../../http/validate.ts';
import { requireChainReader } from './chain-readers.ts';

export const verifyAuditQuery = z.strictObject({
  /** Walk the whole chain now instead of resuming from the last verified head (operators). */
  full: z.enum(['true', 'false']).optional(),
});
export type VerifyAuditResponse = AuditVerification;

/**
 * The server's own check of the chain, against the signed checkpoints kept
 * outside the database. It reveals only positions, not records, so any
 * auditor may ask; it resumes from the head it verified last, so asking
 * often is cheap. Operators can force a full walk (`?full=true`), or
 * download the chain and recompute it themselves (`gov audit verify`).
 */
export const verifyAudit = defineRoute({
  method: 'get',
  path: '/v1/audit/verify',
  access: access.authenticated,
  handler: async (c) => {
    const principal = c.get('principal');
    requireChainReader(principal);
    const full = validate(verifyAuditQuery, c.req.query()).full === 'true';
    if (full && !principal.operator) {
      throw new ApiError(
        'forbidden',
        'only operators can ask for a full walk of the chain',
        'ask without ?full=true: the answer says when the last full walk ran',
      );
    }
    const verifier = auditVerifierFor(c.get('db'), c.get('config').dataDir);
    const verdict: VerifyAuditResponse = await verifier.verify({ full });
    return c.json(verdict);
  },
});
