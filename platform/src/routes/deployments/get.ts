import type { DeploymentResource } from '@gov/contract';
import { access } from '../../auth/access.ts';
import { defineRoute } from '../../http/route.ts';
import { deploymentFromPath } from '../lookup.ts';
import { presentDeployment } from '../present.ts';

export type GetDeploymentResponse = DeploymentResource;

/** One version, by number (`3`) or by id (`dep_…`). */
export const getDeployment = defineRoute({
  method: 'get',
  path: '/v1/ministries/:ministry/apps/:app/deployments/:version',
  access: access.auditor,
  handler: async (c) => {
    const db = c.get('db');
    const { ministry, app, deployment: row } = await deploymentFromPath(c);
    return c.json(
      (await presentDeployment(db, ministry, app, row)) satisfies GetDeploymentResponse,
    );
  },
});
