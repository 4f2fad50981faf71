import { auditQuerySchema, queryAudit } from '../../audit/query.ts';
import { access } from '../../auth/access.ts';
import { defineRoute } from '../../http/route.ts';
import { validate } from '../../http/validate.ts';

/** A ministry's own audit records, for its auditors (and admins). */
export const listMinistryAudit = defineRoute({
  method: 'get',
  path: '/v1/ministries/:ministry/audit',
  access: access.auditor,
  handler: async (c) => {
    const query = validate(auditQuerySchema, c.req.query());
    return c.json(await queryAudit(c.get('db'), query, c.get('ministry').id));
  },
});
