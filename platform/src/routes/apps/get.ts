import type { AppResource } from '@gov/contract';
import { access } from '../../auth/access.ts';
import { defineRoute } from '../../http/route.ts';
import { appFromPath } from '../lookup.ts';
import { presentApps } from '../present.ts';

export type GetAppResponse = AppResource;

export const getApp = defineRoute({
  method: 'get',
  path: '/v1/ministries/:ministry/apps/:app',
  access: access.auditor,
  handler: async (c) => {
    const { ministry, app } = await appFromPath(c);
    const [resource] = await presentApps(c.get('db'), c.get('config'), ministry, [app]);
    return c.json(resource satisfies GetAppResponse | undefined);
  },
});
