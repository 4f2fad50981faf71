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
  statusDetail: null,
  conditions: [],
  instances: { desired: 1, ready: 0 },
  createdBy: null,
  live: false,
  desired: true,
  artifact: { sha256: 'x', bundleBytes: 1 },
  compatibilityDate: '2026-04-01',
  createdAt: '2026-04-01T00:00:00Z',
  readyAt: null,
};

interface Script {
  /** Status answers in order; the last one repeats. */
  statuses: Array<
    Pick<DeploymentResource, 'status' | 'live' | 'statusReason'> & { desired?: boolean }
  >;
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

  it('ends at once with a one-line reason when a newer version superseded it', async () => {
    const client = await platform({
      statuses: [
        { status: 'pending', live: false, statusReason: null },
        {
          status: 'superseded',
          live: false,
          desired: false,
          statusReason: 'version 4 was asked for before this one went live',
        },
      ],
      servedAfter: () => 'dep_old',
    });
    const started = Date.now();
    await expect(
      waitUntilLive(client, deployment, Date.now() + 60_000, () => {}),
    ).rejects.toMatchObject({
      code: 'superseded',
      message: 'version 3 will not go live: version 4 was asked for before this one went live',
    });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('waits for a stopped version that a rollback made desired again', async () => {
    // The rollback answers before the reconciler starts the version again.
    const client = await platform({
      statuses: [
        { status: 'stopped', live: false, statusReason: null, desired: true },
        { status: 'starting', live: false, statusReason: null },
        { status: 'ready', live: true, statusReason: null },
      ],
      servedAfter: () => 'dep_new',
    });
    const url = await waitUntilLive(client, deployment, Date.now() + 10_000, () => {});
    expect(url).toBe(`http://demarche.demo.localhost:${server?.port}/`);
  });

  it('ends at once for a stopped version nobody asks for any more', async () => {
    const client = await platform({
      statuses: [{ status: 'stopped', live: false, statusReason: null, desired: false }],
      servedAfter: () => 'dep_old',
    });
    await expect(
      waitUntilLive(client, deployment, Date.now() + 60_000, () => {}),
    ).rejects.toMatchObject({ code: 'superseded' });
  });

  it('keeps waiting through a control-plane restart (connection refused, then 503)', async () => {
    let polls = 0;
    server = await startServer((req, res) => {
      const port = server?.port ?? 0;
      if (req.headers.host?.endsWith(`.localhost:${port}`)) {
        res.writeHead(200, { 'x-gov-deployment': 'dep_new' });
        return res.end('page');
      }
      polls += 1;
      if (polls <= 3) {
        res.writeHead(503, { 'content-type': 'text/plain' });
        return res.end('starting');
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.url === '/v1/ministries/demo/apps/demarche') {
        return res.end(JSON.stringify({ url: `http://demarche.demo.localhost:${port}/` }));
      }
      res.end(JSON.stringify({ ...deployment, status: 'ready', live: true }));
    });
    const client = new GovClient(server.url, 'gov_tok');
    const url = await waitUntilLive(client, deployment, Date.now() + 30_000, () => {});
    expect(url).toBe(`http://demarche.demo.localhost:${server.port}/`);
    expect(polls).toBeGreaterThan(3);
  });
});
