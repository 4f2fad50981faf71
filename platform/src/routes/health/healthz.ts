import { access } from '../../auth/access.ts';
import { defineRoute } from '../../http/route.ts';

/** Liveness: the process answers. Says nothing about the database on purpose. */
export const healthz = defineRoute({
  method: 'get',
  path: '/healthz',
  access: access.public,
  handler: (c) => c.json({ status: 'ok' }),
});
