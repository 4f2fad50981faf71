import { stream } from 'hono/streaming';
import { access } from '../../auth/access.ts';
import { defineRoute } from '../../http/route.ts';

/** A line at least this often, so a gateway can tell a quiet stream from a dead one. */
const HEARTBEAT_MS = 10_000;

/**
 * The routes citizens are sent by, streamed to a gateway: one JSON snapshot
 * per line, the current one at once and a new one at every change, with
 * heartbeats between. The gateway keeps the last snapshot when it breaks.
 */
export const watchRoutes = defineRoute({
  method: 'get',
  path: '/internal/v1/routes',
  access: access.gateway,
  handler: (c) => {
    const feed = c.get('routes');
    c.header('content-type', 'application/x-ndjson');
    c.header('cache-control', 'no-store');
    return stream(c, async (s) => {
      let closed = false;
      const send = (routes: unknown) => {
        if (!closed) void s.write(`${JSON.stringify({ routes })}\n`);
      };
      const unsubscribe = feed.subscribe(send);
      send(feed.routes);
      const heartbeat = setInterval(() => void s.write('{"heartbeat":true}\n'), HEARTBEAT_MS);
      await new Promise<void>((resolve) => {
        s.onAbort(() => {
          closed = true;
          resolve();
        });
        feed.onClose(resolve);
      });
      clearInterval(heartbeat);
      unsubscribe();
    });
  },
});
