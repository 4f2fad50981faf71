import type { DeploymentEventResource } from '@gov/contract';
import { desc, eq } from 'drizzle-orm';
import { access } from '../../auth/access.ts';
import { deploymentEvents } from '../../db/schema/index.ts';
import { defineRoute } from '../../http/route.ts';
import { deploymentFromPath } from '../lookup.ts';

export interface ListDeploymentEventsResponse {
  events: DeploymentEventResource[];
}

/**
 * What happened to a version while it ran, newest first: starts, crashes,
 * restarts, memory kills, egress refusals, scale to zero and wake-ups.
 * Repeats in a row are one event with a count.
 */
export const listDeploymentEvents = defineRoute({
  method: 'get',
  path: '/v1/ministries/:ministry/apps/:app/deployments/:version/events',
  access: access.auditor,
  handler: async (c) => {
    const { deployment } = await deploymentFromPath(c);
    const rows = await c
      .get('db')
      .select()
      .from(deploymentEvents)
      .where(eq(deploymentEvents.deploymentId, deployment.id))
      .orderBy(desc(deploymentEvents.id))
      .limit(100);
    const events = rows.map((r) => ({
      at: r.at.toISOString(),
      type: r.type,
      message: r.message,
      count: r.count,
    }));
    return c.json({ events } satisfies ListDeploymentEventsResponse);
  },
});
