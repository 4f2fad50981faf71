import type { AuditCheckpointPage } from '@gov/contract';
import { z } from 'zod';
import { checkpointFileIn } from '../../audit/checkpoint-file.ts';
import { access } from '../../auth/access.ts';
import { defineRoute } from '../../http/route.ts';
import { validate } from '../../http/validate.ts';
import { requireChainReader } from './chain-readers.ts';

export const listCheckpointsQuery = z.strictObject({
  /** Cursor: statements written before this position in the file (from `next`). */
  before: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type ListCheckpointsResponse = AuditCheckpointPage;

/**
 * The signed checkpoints of the chain's head, newest first, exactly as the
 * checkpoint file holds them: signatures are not filtered here, so whoever
 * reads them checks each one with `GET /v1/audit/public-key` and a forged
 * one shows to them too.
 */
export const listAuditCheckpoints = defineRoute({
  method: 'get',
  path: '/v1/audit/checkpoints',
  access: access.authenticated,
  handler: async (c) => {
    requireChainReader(c.get('principal'));
    const query = validate(listCheckpointsQuery, c.req.query());
    const { checkpoints } = await checkpointFileIn(c.get('config').dataDir).read();
    const end = Math.min(query.before ?? checkpoints.length, checkpoints.length);
    const start = Math.max(end - query.limit, 0);
    const page: ListCheckpointsResponse = {
      checkpoints: checkpoints.slice(start, end).reverse(),
      next: start > 0 ? start : null,
    };
    return c.json(page);
  },
});
