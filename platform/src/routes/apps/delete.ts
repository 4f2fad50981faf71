import { eq } from 'drizzle-orm';
import { auditedChange } from '../../audit/middleware.ts';
import { access } from '../../auth/access.ts';
import { apps } from '../../db/schema/index.ts';
import { defineRoute } from '../../http/route.ts';
import { appFromPath } from '../lookup.ts';

/**
 * Deletes the app and its versions. The reconciler then finds the app gone
 * and stops whatever still runs for it; citizens get the "service
 * introuvable" page from then on.
 */
export const deleteApp = defineRoute({
  method: 'delete',
  path: '/v1/ministries/:ministry/apps/:app',
  access: access.developer,
  audit: 'app.delete',
  handler: async (c) => {
    const { app } = await appFromPath(c);
    await auditedChange(c, 204, async (tx) => {
      await tx.delete(apps).where(eq(apps.id, app.id));
      return {
        result: undefined,
        target: { type: 'app', id: app.id, details: { name: app.name } },
      };
    });
    // Citizens stop being routed to it at once; the reconciler then stops what still runs.
    await c.get('routes').changed();
    c.get('reconciler').enqueue(app.id);
    return c.body(null, 204);
  },
});
