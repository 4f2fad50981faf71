import { and, eq, isNull } from 'drizzle-orm';
import { auditedChange } from '../../audit/middleware.ts';
import { access } from '../../auth/access.ts';
import { apiTokens } from '../../db/schema/index.ts';
import { notFound } from '../../errors.ts';
import { defineRoute } from '../../http/route.ts';

export const revokeToken = defineRoute({
  method: 'delete',
  path: '/v1/ministries/:ministry/tokens/:token',
  access: access.admin,
  audit: 'token.revoke',
  handler: async (c) => {
    const id = c.req.param('token') ?? '';
    await auditedChange(c, 204, async (tx) => {
      const [revoked] = await tx
        .update(apiTokens)
        .set({ revokedAt: new Date() })
        .where(
          and(
            eq(apiTokens.id, id),
            eq(apiTokens.ministryId, c.get('ministry').id),
            isNull(apiTokens.revokedAt),
          ),
        )
        .returning({ id: apiTokens.id });
      if (!revoked) throw notFound(`active token "${id}"`, 'list tokens with GET …/tokens');
      return { result: undefined, target: { type: 'token', id } };
    });
    return c.body(null, 204);
  },
});
