import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { auditedChange } from '../../audit/middleware.ts';
import { access } from '../../auth/access.ts';
import { roleAtLeast } from '../../auth/principal.ts';
import { members, memberships, ministryRoles } from '../../db/schema/index.ts';
import { ApiError, notFound } from '../../errors.ts';
import { defineRoute } from '../../http/route.ts';
import { parseJsonBody } from '../../http/validate.ts';

export const grantRoleBody = z.strictObject({
  email: z.string().trim().toLowerCase().email().max(200),
  role: z.enum(ministryRoles),
});

/**
 * Gives a person a role in the ministry (or changes it). People are known
 * once they have signed in: their identity comes from the OpenID Provider.
 */
export const grantRole = defineRoute({
  method: 'put',
  path: '/v1/ministries/:ministry/members',
  access: access.admin,
  audit: 'member.grant',
  handler: async (c) => {
    const db = c.get('db');
    const ministry = c.get('ministry');
    const principal = c.get('principal');
    const body = await parseJsonBody(c, grantRoleBody);
    if (!principal.operator && !roleAtLeast(principal.roles.get(ministry.id), body.role)) {
      throw new ApiError('forbidden', `you cannot grant the ${body.role} role`);
    }
    const [member] = await db.select().from(members).where(eq(members.email, body.email)).limit(1);
    if (!member) {
      throw notFound(
        `a person with the email ${body.email}`,
        'they must sign in once (gov login or the admin panel) first',
      );
    }
    await auditedChange(c, 200, async (tx) => {
      await tx
        .insert(memberships)
        .values({ memberId: member.id, ministryId: ministry.id, role: body.role })
        .onConflictDoUpdate({
          target: [memberships.memberId, memberships.ministryId],
          set: { role: body.role },
        });
      return {
        result: undefined,
        target: { type: 'member', id: member.id, details: { role: body.role } },
      };
    });
    return c.json({
      id: member.id,
      email: member.email,
      displayName: member.displayName,
      role: body.role,
    });
  },
});
