import type { DeploymentResource } from '@gov/contract';
import { MAX_INT32 } from '@gov/contract';
import { and, desc, eq, isNotNull, lt } from 'drizzle-orm';
import { z } from 'zod';
import { auditedChange } from '../../audit/middleware.ts';
import { access } from '../../auth/access.ts';
import { apps, type DeploymentRow, deployments } from '../../db/schema/index.ts';
import { ApiError, notFound } from '../../errors.ts';
import { defineRoute } from '../../http/route.ts';
import { parseJsonBody } from '../../http/validate.ts';
import { appFromPath } from '../lookup.ts';
import { presentDeployment, reloadDeployment } from '../present.ts';

export const rollbackBody = z.strictObject({
  version: z.number().int().min(1).max(MAX_INT32).optional(),
});
export type RollbackRequest = z.infer<typeof rollbackBody>;
export type RollbackResponse = DeploymentResource;

/**
 * Points the app back at an earlier version: by number, or by default the
 * newest version older than the live one that once passed its readiness
 * check. No new version is created (the code is already stored); the
 * reconciler starts it and switches traffic once it is ready again.
 */
export const rollback = defineRoute({
  method: 'post',
  path: '/v1/ministries/:ministry/apps/:app/rollback',
  access: access.developer,
  audit: 'deployment.rollback',
  handler: async (c) => {
    const db = c.get('db');
    const { ministry, app } = await appFromPath(c);
    // A bare POST (no body at all) means "the previous working version".
    const bare = !c.req.header('content-type') && !Number(c.req.header('content-length') ?? 0);
    const body = bare ? {} : await parseJsonBody(c, rollbackBody.default({}));
    const target = await chooseTarget(db, app, body.version);
    await auditedChange(c, 202, async (tx) => {
      await tx.update(apps).set({ desiredDeploymentId: target.id }).where(eq(apps.id, app.id));
      return {
        result: undefined,
        target: {
          type: 'deployment',
          id: target.id,
          details: { app: app.name, version: target.version },
        },
      };
    });
    c.get('reconciler').enqueue(app.id);
    const fresh = (await reloadDeployment(db, target.id)) ?? target;
    const now = { ...app, desiredDeploymentId: target.id };
    return c.json(
      (await presentDeployment(db, ministry, now, fresh)) satisfies RollbackResponse,
      202,
    );
  },
});

async function chooseTarget(
  db: import('../../db/database.ts').Database,
  app: { id: string; name: string; liveDeploymentId: string | null },
  version: number | undefined,
): Promise<DeploymentRow> {
  if (version !== undefined) {
    const [row] = await db
      .select()
      .from(deployments)
      .where(and(eq(deployments.appId, app.id), eq(deployments.version, version)))
      .limit(1);
    if (!row) {
      throw notFound(
        `version ${version} of app "${app.name}"`,
        `list versions with \`gov deployments list ${app.name}\``,
      );
    }
    if (row.status === 'failed') {
      throw new ApiError(
        'conflict',
        `version ${version} failed to start (${row.statusReason ?? 'no reason recorded'}); it cannot serve`,
        'roll back to a version that was ready, or deploy a fix',
      );
    }
    return row;
  }
  const live = app.liveDeploymentId ? await reloadDeployment(db, app.liveDeploymentId) : undefined;
  if (!live) {
    throw new ApiError(
      'conflict',
      `app "${app.name}" has no live version to roll back from`,
      'deploy it with `gov deploy`',
    );
  }
  const [previous] = await db
    .select()
    .from(deployments)
    .where(
      and(
        eq(deployments.appId, app.id),
        lt(deployments.version, live.version),
        isNotNull(deployments.readyAt),
      ),
    )
    .orderBy(desc(deployments.version))
    .limit(1);
  if (!previous) {
    throw new ApiError(
      'conflict',
      `app "${app.name}" has no working version older than ${live.version}`,
      `list versions with \`gov deployments list ${app.name}\``,
    );
  }
  return previous;
}
