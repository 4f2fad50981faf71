import http from 'node:http';
import { fetchVia } from '../../platform/src/testing/platform-harness.ts';

export type CitizenResponse = Awaited<ReturnType<typeof fetchVia>>;

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/**
 * A citizen's request to an app URL such as http://demarche.demo.localhost:PORT/,
 * over a keep-alive connection like a browser's. Loopback only.
 */
export function citizenRequest(
  url: string,
  init: Parameters<typeof fetchVia>[3] = {},
): Promise<CitizenResponse> {
  const target = new URL(url);
  if (!target.hostname.endsWith('.localhost') && target.hostname !== 'localhost') {
    throw new Error(`tests only talk to loopback, not ${target.hostname}`);
  }
  return fetchVia(
    Number(target.port || 80),
    target.host,
    `${target.pathname}${target.search}`,
    init,
    agent,
  );
}
