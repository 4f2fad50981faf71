import { z } from 'zod';
import { auditedChange } from '../../audit/middleware.ts';
import { access } from '../../auth/access.ts';
import { principalForMember } from '../../auth/principal.ts';
import { issueToken } from '../../auth/tokens.ts';
import { ApiError } from '../../errors.ts';
import { clientIp } from '../../http/client-ip.ts';
import { defineRoute } from '../../http/route.ts';
import { parseJsonBody } from '../../http/validate.ts';
import { memberForClaims } from '../../identity/members.ts';
import { requireIdentity } from '../../identity/staff-identity.ts';

export const cliTokenBody = z.strictObject({
  idToken: z.string().min(20).max(8192),
  /** Lets the platform read the person's email and name from the provider's userinfo. */
  accessToken: z.string().min(10).max(8192).optional(),
});

/** A `gov login` session lasts a month; `gov login` again renews it. */
const CLI_TOKEN_DAYS = 30;

/**
 * The last step of `gov login`: the CLI got an ID token from the provider
 * with the device flow; the platform checks it and answers with a platform
 * token that acts with the person's roles.
 */
export const exchangeCliToken = defineRoute({
  method: 'post',
  path: '/v1/auth/cli-token',
  access: access.public,
  audit: 'session.cli_login',
  handler: async (c) => {
    const identity = requireIdentity(c.get('identity'));
    const attempt = c.get('loginAttempts').hit(clientIp(c));
    if (!attempt.allowed) {
      c.header('retry-after', String(attempt.retryAfterSeconds));
      throw new ApiError(
        'rate_limited',
        'too many sign-in attempts from this address',
        `wait ${attempt.retryAfterSeconds} s`,
      );
    }
    const { idToken, accessToken } = await parseJsonBody(c, cliTokenBody);
    let claims: Awaited<ReturnType<typeof identity.verifyCliIdToken>>;
    try {
      claims = await identity.verifyCliIdToken(idToken, accessToken);
    } catch (error) {
      throw new ApiError(
        'unauthenticated',
        `the identity token was refused: ${(error as Error).message}`,
        'run `gov login` again',
      );
    }
    const db = c.get('db');
    const member = await memberForClaims(db, claims);
    const principal = await principalForMember(db, member, null);
    c.set('principal', principal);
    const issued = await auditedChange(c, 200, async (tx) => {
      const token = await issueToken(tx, {
        kind: 'login',
        label: 'gov login',
        memberId: member.id,
        createdBy: member.id,
        expiresInDays: CLI_TOKEN_DAYS,
      });
      return { result: token, target: { type: 'token', id: token.id } };
    });
    return c.json({
      token: issued.secret,
      expiresAt: issued.expiresAt.toISOString(),
      member: {
        id: member.id,
        email: member.email,
        displayName: member.displayName,
        operator: principal.operator,
        roles: Object.fromEntries(principal.roles),
      },
    });
  },
});
