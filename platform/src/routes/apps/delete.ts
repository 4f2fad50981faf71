import { eq } from 'drizzle-orm';
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
    c.set('auditTarget', { type: 'app', id: app.id, details: { name: app.name } });
    await c.get('db').delete(apps).where(eq(apps.id, app.id));
    c.get('reconciler').enqueue(app.id);
    return c.body(null, 204);
  },
});
