import { asc } from 'drizzle-orm';
import { ministries } from '../../db/schema/index.ts';
import { defineRoute } from '../../http/route.ts';
import { presentMinistry } from '../present.ts';
import type { MinistryResource } from '../resources.ts';

export interface ListMinistriesResponse {
  ministries: MinistryResource[];
}

export const listMinistries = defineRoute({
  method: 'get',
  path: '/v1/ministries',
  handler: async (c) => {
    const rows = await c.get('db').select().from(ministries).orderBy(asc(ministries.name));
    return c.json({ ministries: rows.map(presentMinistry) } satisfies ListMinistriesResponse);
  },
});
