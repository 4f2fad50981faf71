import { access } from '../../auth/access.ts';
import { pingDatabase } from '../../db/database.ts';
import { defineRoute } from '../../http/route.ts';

export interface RuntimeInfo {
  driver: string;
  /** How app memory and CPU limits are enforced right now. */
  limits: string;
}

/**
 * Readiness: the database answers and the boot reconcile has run. It also
 * says how app limits are enforced here (the kernel's cgroups, the
 * platform's watchdog, or Kubernetes), so an operator sees a degraded
 * machine at once.
 */
export function readyz(isReady: () => boolean, runtime?: () => Promise<RuntimeInfo>) {
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
      const info = await runtime?.().catch(() => undefined);
      return c.json({ status: 'ready', ...(info ? { runtime: info } : {}) });
    },
  });
}
