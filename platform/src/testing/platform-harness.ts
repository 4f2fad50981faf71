import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PlatformConfig } from '../config.ts';
import { openTestDatabase } from '../db/test-database.ts';
import { LocalDriver } from '../drivers/local/local-driver.ts';
import { createGateway } from '../gateway/gateway.ts';
import { RouteTable } from '../gateway/route-table.ts';
import { createApi } from '../http/app.ts';
import { Reconciler } from '../reconciler/reconciler.ts';
import { UsageMeter } from '../usage/meter.ts';
import { bundleOf, testConfig } from './api-harness.ts';
import { operatorToken } from './principals.ts';

/**
 * The real pieces wired together in-process: database, local driver running
 * workerd, reconciler, gateway on a loopback port, and the API.
 */
export async function platformHarness(overrides: Partial<PlatformConfig> = {}) {
  const config = { ...testConfig, maxBundleBytes: 10 * 1024 * 1024, ...overrides };
  const database = await openTestDatabase();
  const workDir = await mkdtemp(path.join(tmpdir(), 'gov-run-'));
  const driver = new LocalDriver({
    workDir,
    idleTimeoutMs: config.idleTimeoutMs,
    startTimeoutMs: config.startTimeoutMs,
  });
  const table = new RouteTable(database.db);
  await table.refresh();
  const reconciler = new Reconciler({
    db: database.db,
    driver,
    onLiveChanged: () => table.refresh(),
  });
  const meter = new UsageMeter(database.db);
  const gateway = createGateway({
    table,
    driver,
    baseDomain: config.baseDomain,
    requestTimeoutMs: config.requestTimeoutMs,
    meter,
  });
  await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  const gatewayPort = (gateway.address() as AddressInfo).port;
  const api = createApi({ db: database.db, config: { ...config, gatewayPort }, reconciler });
  const secret = await operatorToken(database.db);

  async function call(method: string, url: string, body?: unknown) {
    const res = await api.request(url, {
      method,
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON shapes.
    return { status: res.status, json: (await res.json().catch(() => undefined)) as any };
  }

  return {
    database,
    driver,
    reconciler,
    table,
    meter,
    gatewayPort,
    call,
    /** Creates ministry and app if needed, uploads, and waits for the reconciler. */
    async deploy(ministry: string, app: string, source: string, vars: Record<string, string> = {}) {
      await call('POST', '/v1/ministries', {
        name: ministry,
        displayName: `Ministère ${ministry}`,
      });
      await call('POST', `/v1/ministries/${ministry}/apps`, { name: app });
      const res = await call(
        'POST',
        `/v1/ministries/${ministry}/apps/${app}/deployments`,
        bundleOf(source, { vars }),
      );
      if (res.status !== 202) throw new Error(`deploy failed: ${JSON.stringify(res.json)}`);
      await reconciler.idle();
      const after = await call(
        'GET',
        `/v1/ministries/${ministry}/apps/${app}/deployments/${res.json.version}`,
      );
      return after.json as {
        id: string;
        version: number;
        status: string;
        statusReason: string | null;
        live: boolean;
      };
    },
    /** A citizen request through the gateway, with the app's host. */
    citizen(host: string, pathname = '/', init: Parameters<typeof fetchVia>[3] = {}) {
      return fetchVia(gatewayPort, host, pathname, init);
    },
    async close() {
      await new Promise<void>((resolve) => {
        gateway.close(() => resolve());
        gateway.closeAllConnections();
      });
      await reconciler.stop();
      await driver.close();
      // A test may have closed the database on purpose (outage scenarios).
      await database.close().catch(() => {});
      await rm(workDir, { recursive: true, force: true });
    },
  };
}

/**
 * A citizen's request to the gateway with the app's Host header: fetch()
 * cannot set Host, and *.localhost names do not resolve through the OS here.
 */
export function fetchVia(
  port: number,
  host: string,
  pathname: string,
  init: { method?: string; body?: string; headers?: Record<string, string> } = {},
  agent: http.Agent | false = false,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: pathname,
        method: init.method ?? 'GET',
        headers: { host, ...init.headers },
        agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}
