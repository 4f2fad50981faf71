import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Endpoint, EndpointResolver } from '../drivers/driver.ts';
import { pickFreePort } from '../net/free-port.ts';
import { fetchVia } from '../testing/platform-harness.ts';
import { createGateway } from './gateway.ts';
import { RouteTable } from './route-table.ts';

/**
 * A request caught by a version switch: the gateway took the old version,
 * whose instance is gone before it answered, while the route already names
 * the new one. Real servers on loopback; the endpoints come from a table of
 * this test's (what a driver would report), so the moment can be chosen.
 */
describe('a request caught by a version switch', () => {
  it('is sent again to the version live now, not to the one that went away', async () => {
    const fresh = http.createServer((_req, res) => res.end('nouvelle version'));
    await new Promise<void>((r) => fresh.listen(0, '127.0.0.1', () => r()));
    const freshPort = (fresh.address() as AddressInfo).port;
    // Nobody listens there any more: the old version's instance stopped.
    const gonePort = await pickFreePort();
    const endpoints = new Map<string, Endpoint[]>([
      ['dep_old', [{ host: '127.0.0.1', port: gonePort }]],
      ['dep_new', [{ host: '127.0.0.1', port: freshPort }]],
    ]);
    const table = new RouteTable();
    const route = {
      ministry: 'sante',
      app: 'rdv',
      appId: 'app_rdv',
      ministryId: 'min_sante',
      maxRequestsPerMinute: 6000,
      liveDeploymentId: 'dep_old',
    };
    table.replace([route]);
    const resolver: EndpointResolver = {
      endpoints: async (id) => {
        // The switch lands as the first try goes out.
        if (id === 'dep_old') table.replace([{ ...route, liveDeploymentId: 'dep_new' }]);
        return endpoints.get(id) ?? [];
      },
      wake: async () => {},
      track: () => () => {},
      close: async () => {},
    };
    const gateway = createGateway({
      table,
      resolver,
      baseDomain: 'localhost',
      requestTimeoutMs: 5_000,
    });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (gateway.address() as AddressInfo).port;
      const res = await fetchVia(port, 'rdv.sante.localhost', '/');
      expect(res).toMatchObject({ status: 200, body: 'nouvelle version' });
      expect(res.headers['x-gov-deployment']).toBe('dep_new');
    } finally {
      gateway.close();
      fresh.close();
    }
  });
});
