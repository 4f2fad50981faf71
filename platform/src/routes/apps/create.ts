import { z } from 'zod';
import { access } from '../../auth/access.ts';
import { apps } from '../../db/schema/index.ts';
import { ApiError } from '../../errors.ts';
import { defineRoute } from '../../http/route.ts';
import { parseJsonBody } from '../../http/validate.ts';
import { newId } from '../../ids.ts';
import { assertCanCreateApp } from '../../quotas/quota.ts';
import { isUniqueViolation } from '../lookup.ts';
import { presentApps } from '../present.ts';
import type { AppResource } from '../resources.ts';
import { slugSchema } from '../slugs.ts';

export const createAppBody = z.strictObject({ name: slugSchema });
export type CreateAppRequest = z.infer<typeof createAppBody>;
export type CreateAppResponse = AppResource;

export const createApp = defineRoute({
  method: 'post',
  path: '/v1/ministries/:ministry/apps',
  access: access.developer,
  audit: 'app.create',
  handler: async (c) => {
    const db = c.get('db');
    const ministry = c.get('ministry');
    const body = await parseJsonBody(c, createAppBody);
    await assertCanCreateApp(db, ministry);
    try {
      const [row] = await db
        .insert(apps)
        .values({ id: newId('app'), ministryId: ministry.id, name: body.name })
        .returning();
      if (!row) throw new Error('insert returned no row');
      c.set('auditTarget', { type: 'app', id: row.id, details: { name: row.name } });
      const [resource] = await presentApps(db, c.get('config'), ministry, [row]);
      return c.json(resource satisfies CreateAppResponse | undefined, 201);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ApiError(
          'conflict',
          `app "${body.name}" already exists in ministry "${ministry.name}"`,
          'deploy to it with `gov deploy`, or choose another name',
        );
      }
      throw error;
    }
  },
});
