import type { MinistryResource } from '@gov/contract';
import { humanText, slugSchema } from '@gov/contract';
import { z } from 'zod';
import { auditedChange } from '../../audit/middleware.ts';
import { access } from '../../auth/access.ts';
import type { Database } from '../../db/database.ts';
import { type MinistryRow, ministries, quotas } from '../../db/schema/index.ts';
import { ApiError } from '../../errors.ts';
import { defineRoute } from '../../http/route.ts';
import { parseJsonBody } from '../../http/validate.ts';
import { newId } from '../../ids.ts';
import { isUniqueViolation } from '../lookup.ts';
import { presentMinistry } from '../present.ts';

export const createMinistryBody = z.strictObject({
  name: slugSchema,
  displayName: humanText(2, 200),
});
export type CreateMinistryRequest = z.infer<typeof createMinistryBody>;
export type CreateMinistryResponse = MinistryResource;

/** A ministry and its default quota, together: a ministry never exists without its quota. */
export async function insertMinistry(
  tx: Database,
  ministry: CreateMinistryRequest,
): Promise<MinistryRow> {
  const [inserted] = await tx
    .insert(ministries)
    .values({ id: newId('ministry'), name: ministry.name, displayName: ministry.displayName })
    .returning();
  if (!inserted) throw new Error('insert returned no row');
  await tx.insert(quotas).values({ ministryId: inserted.id });
  return inserted;
}

export const createMinistry = defineRoute({
  method: 'post',
  path: '/v1/ministries',
  access: access.operator,
  audit: 'ministry.create',
  handler: async (c) => {
    const body = await parseJsonBody(c, createMinistryBody);
    try {
      const row = await auditedChange(c, 201, async (tx) => {
        const inserted = await insertMinistry(tx, body);
        return {
          result: inserted,
          target: { type: 'ministry', id: inserted.id, details: { name: inserted.name } },
        };
      });
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
