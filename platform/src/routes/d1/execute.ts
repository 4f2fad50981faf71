import { sha256Hex } from '@gov/contract';
import { z } from 'zod';
import { auditedChange } from '../../audit/middleware.ts';
import { access } from '../../auth/access.ts';
import type { SqlAnswer } from '../../drivers/driver.ts';
import { ApiError } from '../../errors.ts';
import { defineRoute } from '../../http/route.ts';
import { parseJsonBody, validate } from '../../http/validate.ts';
import { appFromPath } from '../lookup.ts';

const bindingName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a D1 binding name uses letters, digits and _, like DB');

export const executeSqlBody = z.strictObject({
  sql: z
    .string()
    .min(1, 'no SQL given')
    .max(1024 * 1024, 'at most 1 MiB of SQL at once'),
  /** `exec` (default): a script of statements, answered with a count; `query`: one statement, answered with rows. */
  mode: z.enum(['exec', 'query']).default('exec'),
});
export type ExecuteSqlRequest = z.input<typeof executeSqlBody>;
export type ExecuteSqlResponse = SqlAnswer;

/**
 * `gov d1 execute`: a developer's SQL in one of the app's D1 databases (the
 * one its binding of that name reads), to create tables or look at rows.
 * Audited with the SQL's digest and size, not its text, which may hold
 * citizens' data.
 */
export const executeSql = defineRoute({
  method: 'post',
  path: '/v1/ministries/:ministry/apps/:app/d1/:binding/execute',
  access: access.developer,
  audit: 'd1.execute',
  handler: async (c) => {
    const { ministry, app } = await appFromPath(c);
    const binding = validate(bindingName, c.req.param('binding'));
    const body = await parseJsonBody(c, executeSqlBody, { maxBytes: 1024 * 1024 + 1024 });
    const console = c.get('sql');
    if (!console) {
      // Not a passing outage (no 503 to retry on): this cluster has none.
      throw new ApiError(
        'not_found',
        'D1 databases are not provided on this platform’s cluster',
        'they are on the embedded default; see the platform README',
      );
    }
    const answer = await auditedChange(c, 200, async () => {
      let result: SqlAnswer;
      try {
        result = await console({
          ministryId: ministry.id,
          appId: app.id,
          binding,
          sql: body.sql,
          mode: body.mode,
        });
      } catch (error) {
        if ((error as { code?: string }).code === 'sql_error') {
          throw new ApiError(
            'invalid_request',
            `D1_ERROR: ${(error as Error).message}`,
            'fix the SQL and run it again; nothing of a failed statement was kept',
          );
        }
        throw error;
      }
      return {
        result,
        target: {
          type: 'd1',
          id: app.id,
          details: {
            app: app.name,
            binding,
            mode: body.mode,
            sqlSha256: sha256Hex(new TextEncoder().encode(body.sql)),
            sqlBytes: new TextEncoder().encode(body.sql).byteLength,
          },
        },
      };
    });
    return c.json(answer satisfies ExecuteSqlResponse);
  },
});
