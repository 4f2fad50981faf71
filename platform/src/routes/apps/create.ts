import type { AppResource } from '@gov/contract';
import { slugSchema } from '@gov/contract';
import { z } from 'zod';
import { auditedChange } from '../../audit/middleware.ts';
import { access } from '../../auth/access.ts';
import { apps } from '../../db/schema/index.ts';
import { ApiError } from '../../errors.ts';
import { defineRoute } from '../../http/route.ts';
import { parseJsonBody } from '../../http/validate.ts';
import { newId } from '../../ids.ts';
import { assertCanCreateApp } from '../../quotas/quota.ts';
import { isUniqueViolation } from '../lookup.ts';
import { presentApps } from '../present.ts';

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
    try {
      const row = await auditedChange(c, 201, async (tx) => {
        // Checked and inserted in one transaction, the quota row locked:
        // concurrent creations take turns and can never exceed it together.
        await assertCanCreateApp(tx, ministry);
        const [inserted] = await tx
          .insert(apps)
          .values({ id: newId('app'), ministryId: ministry.id, name: body.name })
          .returning();
        if (!inserted) throw new Error('insert returned no row');
        return {
          result: inserted,
          target: { type: 'app', id: inserted.id, details: { name: inserted.name } },
        };
      });
      // Its host now answers "not deployed yet" instead of "unknown".
      await c.get('routes').changed();
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
