import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { DeploymentResource } from '@gov/contract';
import type { PlatformConfig } from '../config.ts';
import { LocalDriver } from '../drivers/local/local-driver.ts';
import { bundleOf } from './api-harness.ts';
import { runningPlatform } from './running-platform.ts';

/** Statuses a deployment does not leave by itself. */
const SETTLED = new Set(['ready', 'failed', 'superseded', 'stopped']);

/**
 * The whole platform in this process, wired exactly as `npm start` wires it
 * (agent, control plane, gateway, over their real sockets), plus helpers to
 * deploy, call the API and act as a citizen.
 */
export async function platformHarness(overrides: Partial<PlatformConfig> = {}) {
  const env = await runningPlatform((c) => ({
    ...c,
    maxBundleBytes: 10 * 1024 * 1024,
    ...overrides,
  }));
  const platform = env.platform;
  const token = (await readFile(platform.bootstrapTokenFile, 'utf8')).trim();
  // A client of the agent like any other, for tests that look at processes.
  const driver = new LocalDriver({ socketPath: platform.agent.socketPath });

  async function call(
    method: string,
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    const res = await fetch(`${platform.apiUrl}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON shapes.
    return { status: res.status, json: (await res.json().catch(() => undefined)) as any };
  }

  /**
   * Polls a version until it settles (ready and live, failed, superseded);
   * a live version also until the gateway routes to it, as `gov deploy` waits.
   */
  async function settled(ministry: string, app: string, version: number, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await call(
        'GET',
        `/v1/ministries/${ministry}/apps/${app}/deployments/${version}`,
      );
      const d = res.json as DeploymentResource;
      const routed = platform.gateway.table.lookup(ministry, app)?.liveDeploymentId === d.id;
      if (SETTLED.has(d.status) && (d.status !== 'ready' || (d.live && routed))) return d;
      if (Date.now() > deadline) return d;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  return {
    env,
    platform,
    token,
    driver,
    get gatewayPort() {
      return platform.gateway.port;
    },
    call,
    settled,
    /** Creates ministry and app if needed, uploads, and waits for the version to settle. */
    async deploy(
      ministry: string,
      app: string,
      source: string,
      vars: Record<string, string> = {},
      extra: Record<string, unknown> = {},
    ) {
      await call('POST', '/v1/ministries', {
        name: ministry,
        displayName: `Ministère ${ministry}`,
      });
      await call('POST', `/v1/ministries/${ministry}/apps`, { name: app });
      const res = await call(
        'POST',
        `/v1/ministries/${ministry}/apps/${app}/deployments`,
        bundleOf(source, { vars, ...extra }),
      );
      if (res.status !== 202) throw new Error(`deploy failed: ${JSON.stringify(res.json)}`);
      return settled(ministry, app, res.json.version);
    },
    /** A citizen request through the gateway, with the app's host. */
    citizen(host: string, pathname = '/', init: Parameters<typeof fetchVia>[3] = {}) {
      return fetchVia(platform.gateway.port, host, pathname, init);
    },
    async close() {
      await driver.close();
      await env.close();
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
