import type { AppLogEntry } from '@gov/contract';
import type { RequestLogEntry } from '../drivers/driver.ts';

/** A request the gateway served, as a line of the app's logs: the same on both drivers. */
export function requestLine(
  e: RequestLogEntry,
): Pick<AppLogEntry, 'deploymentId' | 'kind' | 'message' | 'request'> {
  return {
    deploymentId: e.deploymentId,
    kind: 'request',
    message: `${e.method} ${e.path} ${e.status} ${e.durationMs} ms`,
    request: {
      method: e.method,
      path: e.path,
      status: e.status,
      durationMs: e.durationMs,
      requestId: e.requestId,
    },
  };
}
