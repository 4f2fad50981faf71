import { desc, eq } from 'drizzle-orm';
import { access } from '../../auth/access.ts';
import { apiTokens } from '../../db/schema/index.ts';
import { defineRoute } from '../../http/route.ts';

export interface TokenResource {
  id: string;
  label: string;
  role: string | null;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  revokedAt: string | null;
}

/** The ministry's API tokens, without their secrets (only hashes are stored). */
export const listTokens = defineRoute({
  method: 'get',
  path: '/v1/ministries/:ministry/tokens',
  access: access.admin,
  handler: async (c) => {
    const rows = await c
      .get('db')
      .select()
      .from(apiTokens)
      .where(eq(apiTokens.ministryId, c.get('ministry').id))
      .orderBy(desc(apiTokens.createdAt));
    const tokens: TokenResource[] = rows.map((t) => ({
      id: t.id,
      label: t.label,
      role: t.role,
      createdBy: t.createdBy,
      createdAt: t.createdAt.toISOString(),
      expiresAt: t.expiresAt.toISOString(),
      revokedAt: t.revokedAt?.toISOString() ?? null,
    }));
    return c.json({ tokens });
  },
});
