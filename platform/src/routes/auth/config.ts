import { access } from '../../auth/access.ts';
import { defineRoute } from '../../http/route.ts';
import { requireIdentity } from '../../identity/staff-identity.ts';

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
    const identity = requireIdentity(c.get('identity'));
    const { issuer, cliClientId } = identity.settings;
    return c.json({ issuer, cliClientId } satisfies AuthConfigResponse);
  },
});
