import { humanText } from '@gov/contract';
import { z } from 'zod';
import { auditedChange } from '../../audit/middleware.ts';
import { access } from '../../auth/access.ts';
import { roleAtLeast } from '../../auth/principal.ts';
import { issueToken } from '../../auth/tokens.ts';
import { ministryRoles } from '../../db/schema/index.ts';
import { ApiError } from '../../errors.ts';
import { defineRoute } from '../../http/route.ts';
import { parseJsonBody } from '../../http/validate.ts';

export const createTokenBody = z.strictObject({
  label: humanText(2, 100),
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

/**
 * An API token for CI or scripts, fixed to this ministry and one role,
 * expiring, and never after the credential that created it. It stops working
 * as soon as its creator no longer holds the role it grants.
 */
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
    const issued = await auditedChange(c, 201, async (tx) => {
      const token = await issueToken(tx, {
        kind: 'api',
        label: body.label,
        role: body.role,
        ministryId: ministry.id,
        createdBy: principal.actorId,
        expiresInDays: body.expiresInDays,
        notAfter: principal.expiresAt,
      });
      return {
        result: token,
        target: { type: 'token', id: token.id, details: { label: body.label, role: body.role } },
      };
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
