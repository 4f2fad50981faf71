import { verifyAuditChain } from '../../audit/verify.ts';
import { access } from '../../auth/access.ts';
import { ApiError } from '../../errors.ts';
import { defineRoute } from '../../http/route.ts';

/**
 * The server's own check of the whole chain. It reveals only positions, not
 * records, so any auditor may ask; operators can also download the chain
 * and recompute it themselves (`gov audit verify`).
 */
export const verifyAudit = defineRoute({
  method: 'get',
  path: '/v1/audit/verify',
  access: access.authenticated,
  handler: async (c) => {
    const p = c.get('principal');
    if (!p.operator && p.roles.size === 0) {
      throw new ApiError(
        'forbidden',
        'only operators and ministry auditors can verify the audit log',
      );
    }
    return c.json(await verifyAuditChain(c.get('db')));
  },
});
