import { access } from '../../auth/access.ts';
import { ApiError } from '../../errors.ts';
import { requestLogBatchSchema } from '../../gateway/request-log.ts';
import { defineRoute } from '../../http/route.ts';
import { parseJsonBody } from '../../http/validate.ts';

/**
 * The requests a cluster's gateway served, into the apps' logs (`gov logs`),
 * which the control plane keeps there. The embedded default's gateway hands
 * them to the local agent instead.
 */
export const reportRequestLogs = defineRoute({
  method: 'post',
  path: '/internal/v1/request-logs',
  access: access.gateway,
  handler: async (c) => {
    const keep = c.get('requestLogs');
    if (!keep) {
      throw new ApiError(
        'not_found',
        'this platform keeps no request logs here',
        'on the embedded default the gateway hands them to the local agent',
      );
    }
    const { entries } = await parseJsonBody(c, requestLogBatchSchema, {
      maxBytes: 8 * 1024 * 1024,
    });
    await keep(entries);
    return c.body(null, 204);
  },
});
