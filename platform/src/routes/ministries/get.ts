import { defineRoute } from '../../http/route.ts';
import { findMinistry } from '../lookup.ts';
import { presentMinistry } from '../present.ts';
import type { MinistryResource } from '../resources.ts';

export type GetMinistryResponse = MinistryResource;

export const getMinistry = defineRoute({
  method: 'get',
  path: '/v1/ministries/:ministry',
  handler: async (c) => {
    const row = await findMinistry(c.get('db'), c.req.param('ministry') ?? '');
    return c.json(presentMinistry(row) satisfies GetMinistryResponse);
  },
});
