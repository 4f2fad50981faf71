/**
 * The module that stands as the app's main module when it has cron
 * triggers: it re-exports the app (its default handler, its classes) and
 * adds `GovScheduled`, the entrypoint of a socket only the platform
 * reaches, which calls the app's `scheduled` handler as Workers does.
 * Citizens never reach it: the gateway forwards to the http socket. On a
 * cluster the socket listens on the pod's address, behind the network
 * policy, and asks for a bearer token as well (`token`).
 */
export const SCHEDULED_MODULE = 'gov-scheduled-entry.js';

export function scheduledEntrySource(mainModule: string, token?: string): string {
  const main = JSON.stringify(`./${mainModule}`);
  return `import { WorkerEntrypoint } from 'cloudflare:workers';
import * as app from ${main};
export * from ${main};
export default app.default;

const TOKEN = ${JSON.stringify(token ?? null)};

function sameText(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

export class GovScheduled extends WorkerEntrypoint {
  async fetch(request) {
    if (TOKEN !== null && !sameText(request.headers.get('authorization') ?? '', 'Bearer ' + TOKEN)) {
      return Response.json({ outcome: 'refused' }, { status: 401 });
    }
    const { cron, scheduledTime } = await request.json();
    const controller = { cron, scheduledTime, type: 'scheduled', noRetry() {} };
    const handler = app.default;
    try {
      if (typeof handler === 'function' && typeof handler.prototype?.scheduled === 'function') {
        await new handler(this.ctx, this.env).scheduled(controller);
      } else if (handler && typeof handler.scheduled === 'function') {
        await handler.scheduled(controller, this.env, this.ctx);
      } else {
        return Response.json({ outcome: 'no_handler' });
      }
      return Response.json({ outcome: 'ok' });
    } catch (error) {
      // Into the app's logs, as an uncaught exception of a scheduled event is on Workers.
      console.error(error);
      return Response.json({ outcome: 'exception', message: String(error?.stack ?? error).slice(0, 2000) });
    }
  }
}
`;
}
