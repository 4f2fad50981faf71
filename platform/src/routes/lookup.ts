import { isSlug } from '@gov/contract';
import { and, eq } from 'drizzle-orm';
import type { Context } from 'hono';
import type { Database } from '../db/database.ts';
import {
  type AppRow,
  apps,
  type DeploymentRow,
  deployments,
  type MinistryRow,
  ministries,
} from '../db/schema/index.ts';
import { notFound } from '../errors.ts';
import type { ApiEnv } from '../http/env.ts';

/** The ministry with this slug; undefined for an unknown name or one that cannot be a slug. */
export async function ministryByName(db: Database, name: string): Promise<MinistryRow | undefined> {
  if (!isSlug(name)) return undefined;
  const [row] = await db.select().from(ministries).where(eq(ministries.name, name)).limit(1);
  return row;
}

export async function findApp(db: Database, ministry: MinistryRow, name: string): Promise<AppRow> {
  const [row] = isSlug(name)
    ? await db
        .select()
        .from(apps)
        .where(and(eq(apps.ministryId, ministry.id), eq(apps.name, name)))
        .limit(1)
    : [];
  if (!row) {
    throw notFound(
      `app "${name}" of ministry "${ministry.name}"`,
      'list apps with `gov apps list`',
    );
  }
  return row;
}

/** The (already authorized) ministry and the app named by the :app path parameter. */
export async function appFromPath(c: Context<ApiEnv>) {
  const ministry = c.get('ministry');
  const app = await findApp(c.get('db'), ministry, c.req.param('app') ?? '');
  return { ministry, app };
}

/** The app's version named by the :version path parameter: a number (`3`) or an id (`dep_…`). */
export async function deploymentFromPath(
  c: Context<ApiEnv>,
): Promise<{ ministry: MinistryRow; app: AppRow; deployment: DeploymentRow }> {
  const { ministry, app } = await appFromPath(c);
  const ref = c.req.param('version') ?? '';
  const byVersion = /^[1-9]\d{0,8}$/.test(ref);
  const [row] =
    byVersion || /^dep_[a-z2-7]{26}$/.test(ref)
      ? await c
          .get('db')
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
  return { ministry, app, deployment: row };
}

/** Postgres' unique_violation: a concurrent create won the race. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string; cause?: { code?: string } })?.code;
  const causeCode = (error as { cause?: { code?: string } })?.cause?.code;
  return code === '23505' || causeCode === '23505';
}
