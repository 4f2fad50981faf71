import { access } from '../../auth/access.ts';
import { defineRoute } from '../../http/route.ts';

/** Who the credentials belong to and what they may do: for `gov whoami` and the panel. */
export const getMe = defineRoute({
  method: 'get',
  path: '/v1/me',
  access: access.authenticated,
  handler: (c) => {
    const p = c.get('principal');
    return c.json({
      actorType: p.actorType,
      actorId: p.actorId,
      memberId: p.memberId,
      operator: p.operator,
      roles: Object.fromEntries(p.roles),
    });
  },
});
