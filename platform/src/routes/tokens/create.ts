import { z } from 'zod';
import { access } from '../../auth/access.ts';
import { roleAtLeast } from '../../auth/principal.ts';
import { issueToken } from '../../auth/tokens.ts';
import { ministryRoles } from '../../db/schema/index.ts';
import { ApiError } from '../../errors.ts';
import { defineRoute } from '../../http/route.ts';
import { parseJsonBody } from '../../http/validate.ts';

export const createTokenBody = z.strictObject({
  label: z.string().trim().min(2).max(100),
  role: z.enum(ministryRoles),
  expiresInDays: z.number().int().min(1).max(365).default(90),
});
export type CreateTokenRequest = z.input<typeof createTokenBody>;

export interface CreatedTokenResponse {
  id: string;
  /** The secret: shown this once, never again. */
  token: string;
  label: string;
  role: string;
  ministry: string;
  expiresAt: string;
}

/** An API token for CI or scripts, fixed to this ministry and one role, expiring. */
export const createToken = defineRoute({
  method: 'post',
  path: '/v1/ministries/:ministry/tokens',
  access: access.admin,
  audit: 'token.create',
  handler: async (c) => {
    const ministry = c.get('ministry');
    const principal = c.get('principal');
    const body = await parseJsonBody(c, createTokenBody);
    // Nobody hands out more than they hold.
    if (!principal.operator && !roleAtLeast(principal.roles.get(ministry.id), body.role)) {
      throw new ApiError('forbidden', `you cannot create a token with the ${body.role} role`);
    }
    const issued = await issueToken(c.get('db'), {
      kind: 'api',
      label: body.label,
      role: body.role,
      ministryId: ministry.id,
      createdBy: principal.actorId,
      expiresInDays: body.expiresInDays,
    });
    c.set('auditTarget', {
      type: 'token',
      id: issued.id,
      details: { label: body.label, role: body.role },
    });
    return c.json(
      {
        id: issued.id,
        token: issued.secret,
        label: body.label,
        role: body.role,
        ministry: ministry.name,
        expiresAt: issued.expiresAt.toISOString(),
      } satisfies CreatedTokenResponse,
      201,
    );
  },
});
