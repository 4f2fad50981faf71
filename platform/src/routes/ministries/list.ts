import type { MinistryResource } from '@gov/contract';
import { asc, inArray } from 'drizzle-orm';
import { access } from '../../auth/access.ts';
import { ministries } from '../../db/schema/index.ts';
import { defineRoute } from '../../http/route.ts';
import { presentMinistry } from '../present.ts';

export interface ListMinistriesResponse {
  ministries: MinistryResource[];
}

export const listMinistries = defineRoute({
  method: 'get',
  path: '/v1/ministries',
  access: access.authenticated,
  handler: async (c) => {
    // Operators see every ministry; everyone else only those they hold a role in.
    const principal = c.get('principal');
    const mine = [...principal.roles.keys()];
    const query = c.get('db').select().from(ministries).orderBy(asc(ministries.name));
    const rows = principal.operator
      ? await query
      : mine.length === 0
        ? []
        : await query.where(inArray(ministries.id, mine));
    return c.json({ ministries: rows.map(presentMinistry) } satisfies ListMinistriesResponse);
  },
});
