import type { DeploymentResource } from '@gov/contract';
import { desc, eq } from 'drizzle-orm';
import { access } from '../../auth/access.ts';
import { deployments } from '../../db/schema/index.ts';
import { defineRoute } from '../../http/route.ts';
import { appFromPath } from '../lookup.ts';
import { presentDeployments } from '../present.ts';

export interface ListDeploymentsResponse {
  deployments: DeploymentResource[];
}

export const listDeployments = defineRoute({
  method: 'get',
  path: '/v1/ministries/:ministry/apps/:app/deployments',
  access: access.auditor,
  handler: async (c) => {
    const db = c.get('db');
    const { ministry, app } = await appFromPath(c);
    const rows = await db
      .select()
      .from(deployments)
      .where(eq(deployments.appId, app.id))
      .orderBy(desc(deployments.version));
    const resources = await presentDeployments(db, ministry, app, rows);
    return c.json({ deployments: resources } satisfies ListDeploymentsResponse);
  },
});
