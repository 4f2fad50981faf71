import { z } from 'zod';
import { auditQuerySchema, queryAudit } from '../../audit/query.ts';
import { access } from '../../auth/access.ts';
import { ApiError, notFound } from '../../errors.ts';
import { defineRoute } from '../../http/route.ts';
import { validate } from '../../http/validate.ts';
import { ministryByName } from '../lookup.ts';

const platformAuditQuery = auditQuerySchema.extend({ ministry: z.string().max(64).optional() });

/**
 * The audit log with filters and paging. Operators read all of it, or one
 * ministry's part; anyone else must name a ministry they hold a role in
 * (auditors are ministry-scoped).
 */
export const listAudit = defineRoute({
  method: 'get',
  path: '/v1/audit',
  access: access.authenticated,
  handler: async (c) => {
    const db = c.get('db');
    const principal = c.get('principal');
    const { ministry: name, ...query } = validate(platformAuditQuery, c.req.query());
    if (name === undefined) {
      if (!principal.operator) {
        throw new ApiError(
          'forbidden',
          'only operators can read the whole audit log',
          'add ?ministry=<your ministry>',
        );
      }
      return c.json(await queryAudit(db, query));
    }
    const ministry = await ministryByName(db, name);
    if (!ministry || (!principal.operator && !principal.roles.has(ministry.id))) {
      throw notFound(
        `ministry "${name}"`,
        'list the ministries you belong to with `gov ministries list` (GET /v1/ministries)',
      );
    }
    return c.json(await queryAudit(db, query, ministry.id));
  },
});
