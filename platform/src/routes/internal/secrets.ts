import { eq } from 'drizzle-orm';
import { access } from '../../auth/access.ts';
import { apps, deployments } from '../../db/schema/index.ts';
import { notFound } from '../../errors.ts';
import { defineRoute } from '../../http/route.ts';

/**
 * The secrets of the app a version belongs to, in clear, for the runtime
 * starting that version (the local agent, or the Kubernetes driver writing
 * the version's Secret). The caller holds a capability for this deployment
 * alone; no staff token reads a secret's value, ever.
 */
export const revealVersionSecrets = defineRoute({
  method: 'get',
  path: '/internal/v1/deployments/:deploymentId/secrets',
  access: access.secretsReader,
  handler: async (c) => {
    const db = c.get('db');
    const id = c.req.param('deploymentId') ?? '';
    const [row] = await db
      .select({ appId: apps.id, ministryId: apps.ministryId })
      .from(deployments)
      .innerJoin(apps, eq(apps.id, deployments.appId))
      .where(eq(deployments.id, id))
      .limit(1);
    if (!row) throw notFound(`deployment ${id}`);
    const secrets = await c.get('vault').reveal(db, row.ministryId, row.appId);
    c.header('cache-control', 'no-store');
    return c.json({ secrets });
  },
});
