import type { AppResource } from '@gov/contract';
import { asc, eq } from 'drizzle-orm';
import { access } from '../../auth/access.ts';
import { apps } from '../../db/schema/index.ts';
import { defineRoute } from '../../http/route.ts';
import { presentApps } from '../present.ts';

export interface ListAppsResponse {
  apps: AppResource[];
}

export const listApps = defineRoute({
  method: 'get',
  path: '/v1/ministries/:ministry/apps',
  access: access.auditor,
  handler: async (c) => {
    const db = c.get('db');
    const ministry = c.get('ministry');
    const rows = await db
      .select()
      .from(apps)
      .where(eq(apps.ministryId, ministry.id))
      .orderBy(asc(apps.name));
    const resources = await presentApps(db, c.get('config'), ministry, rows);
    return c.json({ apps: resources } satisfies ListAppsResponse);
  },
});
