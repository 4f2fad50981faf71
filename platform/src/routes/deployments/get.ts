import { and, eq } from 'drizzle-orm';
import { access } from '../../auth/access.ts';
import { deployments } from '../../db/schema/index.ts';
import { notFound } from '../../errors.ts';
import { defineRoute } from '../../http/route.ts';
import { appFromPath } from '../lookup.ts';
import { presentDeployment } from '../present.ts';
import type { DeploymentResource } from '../resources.ts';

export type GetDeploymentResponse = DeploymentResource;

/** One version, by number (`3`) or by id (`dep_…`). */
export const getDeployment = defineRoute({
  method: 'get',
  path: '/v1/ministries/:ministry/apps/:app/deployments/:version',
  access: access.auditor,
  handler: async (c) => {
    const db = c.get('db');
    const { ministry, app } = await appFromPath(c);
    const ref = c.req.param('version') ?? '';
    const byVersion = /^[1-9]\d{0,8}$/.test(ref);
    const [row] =
      byVersion || /^dep_[a-z2-7]{26}$/.test(ref)
        ? await db
            .select()
            .from(deployments)
            .where(
              and(
                eq(deployments.appId, app.id),
                byVersion ? eq(deployments.version, Number(ref)) : eq(deployments.id, ref),
              ),
            )
            .limit(1)
        : [];
    if (!row) {
      throw notFound(
        `version "${ref}" of app "${app.name}"`,
        `list versions with \`gov deployments list ${app.name}\``,
      );
    }
    return c.json(
      (await presentDeployment(db, ministry, app, row)) satisfies GetDeploymentResponse,
    );
  },
});
