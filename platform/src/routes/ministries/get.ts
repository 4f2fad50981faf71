import type { MinistryResource } from '@gov/contract';
import { access } from '../../auth/access.ts';
import { defineRoute } from '../../http/route.ts';
import { presentMinistry } from '../present.ts';

export type GetMinistryResponse = MinistryResource;

export const getMinistry = defineRoute({
  method: 'get',
  path: '/v1/ministries/:ministry',
  access: access.auditor,
  handler: async (c) => {
    return c.json(presentMinistry(c.get('ministry')) satisfies GetMinistryResponse);
  },
});
