import { access } from '../../auth/access.ts';
import { pingDatabase } from '../../db/database.ts';
import { defineRoute } from '../../http/route.ts';

/** Readiness: the database answers and the boot reconcile has run. */
export function readyz(isReady: () => boolean) {
  return defineRoute({
    method: 'get',
    path: '/readyz',
    access: access.public,
    handler: async (c) => {
      if (!isReady()) return c.json({ status: 'starting' }, 503);
      try {
        await pingDatabase(c.get('db'));
      } catch {
        return c.json({ status: 'database_unreachable' }, 503);
      }
      return c.json({ status: 'ready' });
    },
  });
}
