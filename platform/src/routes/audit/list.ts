import { z } from 'zod';
import { auditQuerySchema, queryAudit } from '../../audit/query.ts';
import { access } from '../../auth/access.ts';
import { defineRoute } from '../../http/route.ts';
import { validate } from '../../http/validate.ts';

const platformAuditQuery = auditQuerySchema.extend({ ministryId: z.string().max(64).optional() });

/** The whole platform's audit log, for operators. */
export const listAudit = defineRoute({
  method: 'get',
  path: '/v1/audit',
  access: access.operator,
  handler: async (c) => {
    const { ministryId, ...query } = validate(platformAuditQuery, c.req.query());
    return c.json(await queryAudit(c.get('db'), query, ministryId));
  },
});
