import { and, eq } from 'drizzle-orm';
import { auditedChange } from '../../audit/middleware.ts';
import { access } from '../../auth/access.ts';
import { memberships } from '../../db/schema/index.ts';
import { notFound } from '../../errors.ts';
import { defineRoute } from '../../http/route.ts';

export const revokeRole = defineRoute({
  method: 'delete',
  path: '/v1/ministries/:ministry/members/:member',
  access: access.admin,
  audit: 'member.revoke',
  handler: async (c) => {
    const memberId = c.req.param('member') ?? '';
    await auditedChange(c, 204, async (tx) => {
      const [removed] = await tx
        .delete(memberships)
        .where(
          and(eq(memberships.memberId, memberId), eq(memberships.ministryId, c.get('ministry').id)),
        )
        .returning({ memberId: memberships.memberId });
      if (!removed) throw notFound(`member "${memberId}" in this ministry`);
      return { result: undefined, target: { type: 'member', id: memberId } };
    });
    return c.body(null, 204);
  },
});
