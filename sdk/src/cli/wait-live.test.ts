import { afterEach, describe, expect, it } from 'vitest';
import type { DeploymentResource } from '../client/gov-client.ts';
import { GovClient } from '../client/gov-client.ts';
import { startServer, type TestServer } from '../testing/harness.ts';
import { waitUntilLive } from './wait-live.ts';

/**
 * A throwaway server that plays both the API (deployment status, app URL)
 * and the citizen gateway (which deployment answers), on 127.0.0.1.
 */
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const deployment: DeploymentResource = {
  id: 'dep_new',
  app: 'demarche',
  ministry: 'demo',
  version: 3,
  status: 'pending',
  statusReason: null,
  live: false,
  artifact: { sha256: 'x', bundleBytes: 1 },
  compatibilityDate: '2026-04-01',
  createdAt: '2026-04-01T00:00:00Z',
  readyAt: null,
};

interface Script {
  /** Status answers in order; the last one repeats. */
  statuses: Array<Pick<DeploymentResource, 'status' | 'live' | 'statusReason'>>;
  /** What the gateway answers with after N citizen requests. */
  servedAfter: (citizenRequests: number) => string;
}

async function platform(script: Script) {
  let polls = 0;
  let citizens = 0;
  server = await startServer((req, res) => {
    const port = server?.port ?? 0;
    if (req.headers.host?.endsWith(`.localhost:${port}`)) {
      res.writeHead(200, { 'x-gov-deployment': script.servedAfter(citizens++) });
      return res.end('page');
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    if (req.url === '/v1/ministries/demo/apps/demarche') {
      return res.end(JSON.stringify({ url: `http://demarche.demo.localhost:${port}/` }));
    }
    const step = script.statuses[Math.min(polls++, script.statuses.length - 1)];
    res.end(JSON.stringify({ ...deployment, ...step }));
  });
  return new GovClient(server.url, 'gov_tok');
}

describe('waitUntilLive', () => {
  it('returns the citizen URL once the gateway answers with the new version', async () => {
    const client = await platform({
      statuses: [
        { status: 'pending', live: false, statusReason: null },
        { status: 'starting', live: false, statusReason: null },
        { status: 'ready', live: true, statusReason: null },
      ],
      servedAfter: (n) => (n < 2 ? 'dep_old' : 'dep_new'),
    });
    let readyCalls = 0;
    const url = await waitUntilLive(client, deployment, Date.now() + 10_000, () => readyCalls++);
    expect(url).toBe(`http://demarche.demo.localhost:${server?.port}/`);
    expect(readyCalls).toBe(1);
  });

  it('fails fast with the reason when the version cannot start', async () => {
    const client = await platform({
      statuses: [
        { status: 'starting', live: false, statusReason: null },
        { status: 'failed', live: false, statusReason: 'Error: registre injoignable' },
      ],
      servedAfter: () => 'dep_old',
    });
    await expect(
      waitUntilLive(client, deployment, Date.now() + 10_000, () => {}),
    ).rejects.toMatchObject({
      code: 'start_failed',
      message: 'version 3 failed to start: Error: registre injoignable',
      hint: expect.stringContaining('gov deployments list demarche'),
    });
  });

  it('times out saying what the gateway still serves', async () => {
    const client = await platform({
      statuses: [{ status: 'ready', live: true, statusReason: null }],
      servedAfter: () => 'dep_old',
    });
    await expect(
      waitUntilLive(client, deployment, Date.now() + 500, () => {}),
    ).rejects.toMatchObject({
      code: 'timeout',
      message: expect.stringMatching(
        /version 3 is not live in time: .* \(HTTP 200 from deployment dep_old\)/,
      ),
      hint: expect.stringContaining('--timeout-ms'),
    });
  });
});
