import { eq } from 'drizzle-orm';
import { access } from '../../auth/access.ts';
import { members, memberships } from '../../db/schema/index.ts';
import { defineRoute } from '../../http/route.ts';

export interface MemberResource {
  id: string;
  email: string | null;
  displayName: string | null;
  role: string;
}

export const listMembers = defineRoute({
  method: 'get',
  path: '/v1/ministries/:ministry/members',
  access: access.admin,
  handler: async (c) => {
    const rows = await c
      .get('db')
      .select({
        id: members.id,
        email: members.email,
        displayName: members.displayName,
        role: memberships.role,
      })
      .from(memberships)
      .innerJoin(members, eq(memberships.memberId, members.id))
      .where(eq(memberships.ministryId, c.get('ministry').id));
    return c.json({ members: rows satisfies MemberResource[] });
  },
});
