import { access } from '../../auth/access.ts';
import { ApiError } from '../../errors.ts';
import { defineRoute } from '../../http/route.ts';

export interface AuthConfigResponse {
  issuer: string;
  cliClientId: string;
}

/** Where the CLI signs in: the OpenID Provider and the client id for the device flow. */
export const getAuthConfig = defineRoute({
  method: 'get',
  path: '/v1/auth/config',
  access: access.public,
  handler: (c) => {
    const identity = c.get('identity');
    if (!identity) {
      throw new ApiError(
        'unavailable',
        'staff sign-in is not configured on this platform',
        'set GOV_OIDC_ISSUER',
      );
    }
    const { issuer, cliClientId } = identity.settings;
    return c.json({ issuer, cliClientId } satisfies AuthConfigResponse);
  },
});
