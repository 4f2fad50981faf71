import { cronSchema } from '@gov/contract';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { auditedChange } from '../../audit/middleware.ts';
import { access } from '../../auth/access.ts';
import { deployments } from '../../db/schema/index.ts';
import { ApiError } from '../../errors.ts';
import { defineRoute } from '../../http/route.ts';
import { parseJsonBody } from '../../http/validate.ts';
import { claimRun, completeRun } from '../../scheduler/cron-runs.ts';
import { appFromPath } from '../lookup.ts';
import { type CronRunResource, presentCronRun } from './present.ts';

export const runCronBody = z.strictObject({
  /** Which of the live version's triggers to run; its first when omitted. */
  cron: cronSchema.optional(),
});
export type RunCronRequest = z.input<typeof runCronBody>;
export type RunCronResponse = CronRunResource;

/**
 * `gov crons run`: the live version's `scheduled` handler, now, as its
 * trigger would call it (what `wrangler dev --test-scheduled` offers
 * locally). Recorded with the other runs as a manual one, and audited.
 */
export const runCron = defineRoute({
  method: 'post',
  path: '/v1/ministries/:ministry/apps/:app/crons/run',
  access: access.developer,
  audit: 'cron.run',
  handler: async (c) => {
    const { app } = await appFromPath(c);
    const body = await parseJsonBody(c, runCronBody, { maxBytes: 1024 });
    const deliver = c.get('scheduled');
    if (!deliver) {
      throw new ApiError(
        'not_found',
        'cron triggers are not provided on this platform’s cluster yet',
        'they are on the embedded default; see the platform README',
      );
    }
    const [live] = app.liveDeploymentId
      ? await c
          .get('db')
          .select({ id: deployments.id, version: deployments.version, crons: deployments.crons })
          .from(deployments)
          .where(eq(deployments.id, app.liveDeploymentId))
      : [];
    if (!live) {
      throw new ApiError(
        'conflict',
        `${app.name} has no live version`,
        'deploy it with `gov deploy`',
      );
    }
    const cron = body.cron ?? live.crons[0];
    if (cron === undefined || !live.crons.includes(cron)) {
      throw new ApiError(
        'invalid_request',
        cron === undefined
          ? `version ${live.version} of ${app.name} has no cron triggers`
          : `version ${live.version} of ${app.name} has no trigger "${cron}"`,
        live.crons.length > 0
          ? `its triggers: ${live.crons.join(', ')}`
          : 'add [triggers] crons = ["0 3 * * *"] to the app config and deploy',
      );
    }
    const target = {
      appId: app.id,
      deploymentId: live.id,
      cron,
      scheduledAt: new Date(),
      trigger: 'manual' as const,
    };
    // The claim is the change, audited with it; the handler runs after the
    // commit, never inside a transaction (it may take minutes).
    const runId = await auditedChange(c, 200, async (tx) => {
      const id = await claimRun(tx, target);
      if (!id) throw new ApiError('conflict', 'this run was already asked for', 'ask again');
      return {
        result: id,
        target: {
          type: 'app',
          id: app.id,
          details: { app: app.name, version: live.version, cron, run: id },
        },
      };
    });
    const run = presentCronRun(await completeRun(c.get('db'), runId, target, deliver));
    return c.json(run satisfies RunCronResponse);
  },
});
