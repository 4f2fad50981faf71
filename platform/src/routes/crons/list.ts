import { desc, eq } from 'drizzle-orm';
import { access } from '../../auth/access.ts';
import { cronRuns, deployments } from '../../db/schema/index.ts';
import { defineRoute } from '../../http/route.ts';
import { appFromPath } from '../lookup.ts';
import { type CronRunResource, presentCronRun } from './present.ts';

export interface ListCronsResponse {
  /** The live version's cron triggers (UTC), empty while none is live. */
  crons: string[];
  liveVersion: number | null;
  /** The latest runs, newest first: what fired, when, and how it ended. */
  runs: CronRunResource[];
}

const RUNS_SHOWN = 50;

/** `gov crons`: an app's schedule and its latest runs, for the ministry's members. */
export const listCrons = defineRoute({
  method: 'get',
  path: '/v1/ministries/:ministry/apps/:app/crons',
  access: access.auditor,
  handler: async (c) => {
    const { app } = await appFromPath(c);
    const db = c.get('db');
    const [live] = app.liveDeploymentId
      ? await db
          .select({ version: deployments.version, crons: deployments.crons })
          .from(deployments)
          .where(eq(deployments.id, app.liveDeploymentId))
      : [];
    const runs = await db
      .select()
      .from(cronRuns)
      .where(eq(cronRuns.appId, app.id))
      .orderBy(desc(cronRuns.startedAt))
      .limit(RUNS_SHOWN);
    return c.json({
      crons: live?.crons ?? [],
      liveVersion: live?.version ?? null,
      runs: runs.map(presentCronRun),
    } satisfies ListCronsResponse);
  },
});
