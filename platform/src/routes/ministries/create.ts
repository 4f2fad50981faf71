import { z } from 'zod';
import { access } from '../../auth/access.ts';
import { ministries, quotas } from '../../db/schema/index.ts';
import { ApiError } from '../../errors.ts';
import { defineRoute } from '../../http/route.ts';
import { parseJsonBody } from '../../http/validate.ts';
import { newId } from '../../ids.ts';
import { isUniqueViolation } from '../lookup.ts';
import { presentMinistry } from '../present.ts';
import type { MinistryResource } from '../resources.ts';
import { slugSchema } from '../slugs.ts';

export const createMinistryBody = z.strictObject({
  name: slugSchema,
  displayName: z.string().trim().min(2).max(200),
});
export type CreateMinistryRequest = z.infer<typeof createMinistryBody>;
export type CreateMinistryResponse = MinistryResource;

export const createMinistry = defineRoute({
  method: 'post',
  path: '/v1/ministries',
  access: access.operator,
  audit: 'ministry.create',
  handler: async (c) => {
    const body = await parseJsonBody(c, createMinistryBody);
    try {
      // A ministry never exists without its quota.
      const row = await c.get('db').transaction(async (tx) => {
        const [inserted] = await tx
          .insert(ministries)
          .values({ id: newId('ministry'), name: body.name, displayName: body.displayName })
          .returning();
        if (!inserted) throw new Error('insert returned no row');
        await tx.insert(quotas).values({ ministryId: inserted.id });
        return inserted;
      });
      c.set('auditTarget', { type: 'ministry', id: row.id, details: { name: row.name } });
      return c.json(presentMinistry(row) satisfies CreateMinistryResponse, 201);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ApiError(
          'conflict',
          `ministry "${body.name}" already exists`,
          'choose another name',
        );
      }
      throw error;
    }
  },
});
