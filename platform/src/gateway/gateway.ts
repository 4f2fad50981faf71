import http from 'node:http';
import type { ClusterDriver, Lease } from '../drivers/driver.ts';
import { newId } from '../ids.ts';
import type { UsageMeter } from '../usage/meter.ts';
import { AppRateLimit } from './app-rate-limit.ts';
import { parseCitizenHost } from './hosts.ts';
import { type CitizenPage, pages, renderPage } from './pages.ts';
import type { RouteTable } from './route-table.ts';

export interface GatewayOptions {
  table: RouteTable;
  driver: ClusterDriver;
  baseDomain: string;
  requestTimeoutMs: number;
  /** Counts traffic per app per minute; absent in tests that do not look at usage. */
  meter?: UsageMeter;
  log?: (entry: Record<string, unknown>) => void;
}

/** Hop-by-hop headers (RFC 9110 §7.6.1) are for one connection, never forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function forwardable(headers: http.IncomingHttpHeaders, dropPlatformHeaders: boolean) {
  const listed = String(headers.connection ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase());
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || listed.includes(name)) continue;
    // Citizens must not be able to forge headers the platform vouches for.
    if (dropPlatformHeaders && name.startsWith('x-gov-')) continue;
    out[name] = value;
  }
  return out;
}

/**
 * The citizen gateway: routes by host to the app's live version, streams
 * bodies both ways, keeps connections to the runtime alive, and answers with
 * French pages when it cannot.
 */
export function createGateway(options: GatewayOptions): http.Server {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 });
  const log = options.log ?? (() => {});
  const rateLimit = new AppRateLimit();

  const server = http.createServer((req, res) => {
    const requestId = newId('request');
    const reply = (page: CitizenPage, retryAfterSeconds?: number) => {
      if (res.headersSent) return void res.destroy();
      const body = renderPage(page, requestId);
      const retryAfter = retryAfterSeconds ?? (page.status === 503 ? 30 : undefined);
      res.writeHead(page.status, {
        'content-type': 'text/html; charset=utf-8',
        'content-length': Buffer.byteLength(body),
        'cache-control': 'no-store',
        'x-request-id': requestId,
        ...(retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : {}),
      });
      res.end(body);
    };

    const target = parseCitizenHost(req.headers.host, options.baseDomain);
    const route = target && options.table.lookup(target.ministry, target.app);
    if (!route) return reply(pages.unknownHost);
    if (!route.liveDeploymentId) return reply(pages.notDeployed);
    const deploymentId = route.liveDeploymentId;

    // Metering: every request the app's host receives, with bytes both ways.
    let bytesIn = 0;
    let bytesOut = 0;
    res.on('close', () =>
      options.meter?.record(route.appId, route.ministryId, res.statusCode, bytesIn, bytesOut),
    );

    const waitSeconds = rateLimit.take(route.appId, route.maxRequestsPerMinute);
    if (waitSeconds !== undefined) return reply(pages.tooManyRequests, waitSeconds);

    void acquire(options, target, deploymentId).then(
      (lease) => proxy(lease),
      (error: Error) => {
        log({ level: 'warn', requestId, deploymentId, message: `no instance: ${error.message}` });
        reply(pages.unavailable);
      },
    );

    function proxy(lease: Lease & { deploymentId: string }) {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        lease.release();
      };
      const headers = forwardable(req.headers, true);
      headers['x-request-id'] = requestId;
      headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
      headers['x-forwarded-proto'] = 'http';
      headers['x-forwarded-host'] = req.headers.host ?? '';
      const upstream = http.request({
        host: lease.host,
        port: lease.port,
        method: req.method,
        path: req.url,
        headers,
        agent,
      });
      const timer = setTimeout(() => {
        upstream.destroy(new Error('timeout'));
        if (!res.headersSent) reply(pages.timeout);
        else res.destroy();
        finish();
      }, options.requestTimeoutMs);

      upstream.on('response', (upstreamRes) => {
        clearTimeout(timer);
        const out = forwardable(upstreamRes.headers, false);
        out['x-request-id'] = requestId;
        out['x-gov-deployment'] = lease.deploymentId;
        res.writeHead(upstreamRes.statusCode ?? 502, out);
        upstreamRes.on('data', (chunk: Buffer) => {
          bytesOut += chunk.length;
        });
        upstreamRes.pipe(res);
        upstreamRes.on('end', finish);
        upstreamRes.on('error', () => {
          res.destroy();
          finish();
        });
      });
      upstream.on('error', (error) => {
        if (done) return;
        log({ level: 'warn', requestId, deploymentId: lease.deploymentId, message: error.message });
        reply(pages.badGateway);
        finish();
      });
      // The citizen went away: stop working for nobody.
      res.on('close', () => {
        if (!res.writableFinished) upstream.destroy();
        finish();
      });
      // Counted in the same tick as the pipe: an earlier 'data' listener would
      // set the body flowing before the upstream exists and lose chunks.
      req.on('data', (chunk: Buffer) => {
        bytesIn += chunk.length;
      });
      req.pipe(upstream);
    }
  });
  server.on('close', () => agent.destroy());
  return server;
}

/**
 * Leases an instance of the live version. If that version was just replaced
 * (the table is a moment behind the reconciler), refresh the table and use
 * the new live version instead of failing the citizen's request.
 */
async function acquire(
  options: GatewayOptions,
  target: { ministry: string; app: string },
  deploymentId: string,
): Promise<Lease & { deploymentId: string }> {
  try {
    return { ...(await options.driver.acquire(deploymentId)), deploymentId };
  } catch (error) {
    await options.table.refresh().catch(() => {});
    const fresh = options.table.lookup(target.ministry, target.app)?.liveDeploymentId;
    if (!fresh || fresh === deploymentId) throw error;
    return { ...(await options.driver.acquire(fresh)), deploymentId: fresh };
  }
}
