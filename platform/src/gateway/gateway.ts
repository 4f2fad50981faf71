import http from 'node:http';
import type { Socket } from 'node:net';
import type { Endpoint, EndpointResolver, RequestLogEntry } from '../drivers/driver.ts';
import { newId } from '../ids.ts';
import { AppRateLimit } from './app-rate-limit.ts';
import { EndpointPicker, NoInstance } from './endpoint-picker.ts';
import { forwardable, headersForApp, hostOnlyCookies } from './forwarded-headers.ts';
import { parseCitizenHost } from './hosts.ts';
import { type CitizenPage, pageSecurityHeaders, pages, renderPage } from './pages.ts';
import type { CitizenRoute, RouteTable } from './route-table.ts';
import { proxyUpgrade, refuseRaw } from './upgrade.ts';

export interface GatewayOptions {
  table: RouteTable;
  resolver: EndpointResolver;
  baseDomain: string;
  requestTimeoutMs: number;
  /** Waits for a newer route snapshot, when a version it routes to is gone (a switch in flight). */
  nextRoutes?: (timeoutMs: number) => Promise<void>;
  /** Counts traffic per app per minute; absent in tests that do not look at usage. */
  usage?: {
    record(
      appId: string,
      ministryId: string,
      status: number,
      bytesIn: number,
      bytesOut: number,
      refused?: boolean,
    ): void;
  };
  /** Each request served, for the app's logs; absent in tests that do not look at logs. */
  requestLog?: { record(entry: RequestLogEntry): void };
  log?: (entry: Record<string, unknown>) => void;
}

/** Methods whose request carries no body: safe to send again if the instance vanished. */
const BODILESS = new Set(['GET', 'HEAD', 'OPTIONS', 'DELETE']);

/** Only origin-form targets ("/path?query") reach an app: no proxying, no "*". */
const isOriginForm = (url: string | undefined) => url?.startsWith('/') === true;

/**
 * The citizen gateway: routes by host to the app's live version, streams
 * bodies both ways (and WebSockets), keeps connections to the runtime alive,
 * and answers with French pages when it cannot. It runs apart from the
 * control plane: routes arrive by push, endpoints from the driver's watch, so
 * a control-plane restart does not touch a citizen's request. A request whose
 * app is asleep or restarting waits for it (bounded) instead of failing.
 */
export function createGateway(options: GatewayOptions): http.Server {
  /** Before sending a request again elsewhere: a short pause, longer the second time. */
  const RETRY_PAUSE_MS = 50;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 });
  const log = options.log ?? (() => {});
  const rateLimit = new AppRateLimit();
  const picker = new EndpointPicker({
    resolver: options.resolver,
    table: options.table,
    requestTimeoutMs: options.requestTimeoutMs,
    nextRoutes: options.nextRoutes,
  });

  /** The route for a request's host, or the page that answers instead. */
  function routeOf(req: http.IncomingMessage): CitizenRoute | CitizenPage {
    if (!isOriginForm(req.url)) return pages.badRequest;
    const target = parseCitizenHost(req.headers.host, options.baseDomain);
    const route = target && options.table.lookup(target.ministry, target.app);
    if (!route) return pages.unknownHost;
    if (!route.liveDeploymentId) return pages.notDeployed;
    return route;
  }

  const server = http.createServer((req, res) => {
    const requestId = newId('request');
    const deadline = Date.now() + options.requestTimeoutMs;
    const reply = (page: CitizenPage, retryAfterSeconds?: number) => {
      if (res.headersSent) return void res.destroy();
      const body = renderPage(page, requestId);
      const retryAfter = retryAfterSeconds ?? (page.status === 503 ? 30 : undefined);
      res.writeHead(page.status, {
        ...pageSecurityHeaders,
        'content-type': 'text/html; charset=utf-8',
        'content-length': Buffer.byteLength(body),
        'cache-control': 'no-store',
        'x-request-id': requestId,
        ...(retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : {}),
      });
      res.end(body);
    };

    const found = routeOf(req);
    if (!('appId' in found)) return reply(found);
    const route = found;
    const liveId = route.liveDeploymentId as string;

    // Metering: every request the app's host receives, with bytes both ways;
    // and its outcome for the app's logs (the path without its query).
    let bytesIn = 0;
    /** Turned away by the ministry's rate quota: metered apart from the requests served. */
    let refusedByQuota = false;
    let bytesOut = 0;
    let servedBy = liveId;
    const startedAt = Date.now();
    res.on('close', () => {
      options.usage?.record(
        route.appId,
        route.ministryId,
        res.statusCode,
        bytesIn,
        bytesOut,
        refusedByQuota,
      );
      options.requestLog?.record({
        appId: route.appId,
        deploymentId: servedBy,
        at: new Date(startedAt).toISOString(),
        method: req.method ?? 'GET',
        path: (req.url ?? '/').split('?')[0] ?? '/',
        status: res.statusCode,
        durationMs: Date.now() - startedAt,
        requestId,
      });
    });

    const waitSeconds = rateLimit.take(route.appId, route.maxRequestsPerMinute);
    if (waitSeconds !== undefined) {
      refusedByQuota = true;
      return reply(pages.tooManyRequests, waitSeconds);
    }

    const canResend = BODILESS.has(req.method ?? 'GET') && !req.headers['content-length'];
    const attempt = (deploymentId: string, triesLeft: number) => {
      picker.pick(route, deploymentId, deadline).then(
        ({ endpoint, deploymentId: served }) => proxy(endpoint, served, triesLeft),
        (error: Error) => {
          log({ level: 'warn', requestId, deploymentId, message: `no instance: ${error.message}` });
          reply(
            pages.unavailable,
            error instanceof NoInstance ? error.retryAfterSeconds : undefined,
          );
        },
      );
    };

    function proxy(endpoint: Endpoint, deploymentId: string, triesLeft: number) {
      servedBy = deploymentId;
      let done = false;
      let piped = false;
      const release = picker.track(deploymentId);
      const finish = () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        release();
      };
      const headers = headersForApp(req, requestId);
      const upstream = http.request({
        host: endpoint.host,
        port: endpoint.port,
        method: req.method,
        path: req.url,
        headers,
        agent,
      });
      const timer = setTimeout(
        () => {
          upstream.destroy(new Error('timeout'));
          if (!res.headersSent) reply(pages.timeout);
          else res.destroy();
          finish();
        },
        Math.max(1, deadline - Date.now()),
      );

      upstream.on('response', (upstreamRes) => {
        clearTimeout(timer);
        const out = forwardable(upstreamRes.headers, false);
        const cookies = hostOnlyCookies(upstreamRes.headers['set-cookie']);
        if (cookies) out['set-cookie'] = cookies;
        out['x-request-id'] = requestId;
        out['x-gov-deployment'] = deploymentId;
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
        finish();
        // The instance went away before answering (restart, scale to zero):
        // if nothing of the request was consumed, send it again elsewhere.
        if (triesLeft > 0 && !res.headersSent && (canResend || !piped) && Date.now() < deadline) {
          log({ level: 'info', requestId, deploymentId, message: `retrying: ${error.message}` });
          // Most often the version was just replaced: go to the one live now,
          // after a moment for the route and endpoints to catch up.
          const live = options.table.byAppId(route.appId)?.liveDeploymentId ?? deploymentId;
          const pause = Math.min(RETRY_PAUSE_MS * (3 - triesLeft), deadline - Date.now());
          setTimeout(() => attempt(live, triesLeft - 1), Math.max(0, pause)).unref();
          return;
        }
        log({ level: 'warn', requestId, deploymentId, message: error.message });
        reply(pages.badGateway);
      });
      // The citizen went away: stop working for nobody.
      res.on('close', () => {
        if (!res.writableFinished) upstream.destroy();
        finish();
      });
      const pipeBody = () => {
        if (piped) return;
        piped = true;
        // Counted in the same tick as the pipe: an earlier 'data' listener would
        // set the body flowing before the upstream exists and lose chunks.
        req.on('data', (chunk: Buffer) => {
          bytesIn += chunk.length;
        });
        req.pipe(upstream);
      };
      // The body starts flowing only once the connection is up, so a refused
      // connection leaves it unread and the request can go elsewhere.
      upstream.on('socket', (socket: Socket) => {
        if (socket.connecting) socket.once('connect', pipeBody);
        else pipeBody();
      });
    }

    attempt(liveId, 2);
  });

  // WebSockets (and any HTTP upgrade) reach the app the same way requests do.
  server.on('upgrade', (req, socket, head) => {
    const requestId = newId('request');
    const found = routeOf(req);
    if (!('appId' in found)) {
      return refuseRaw(socket, found.status, found.title, `${found.title}\n`);
    }
    const route = found;
    if (rateLimit.take(route.appId, route.maxRequestsPerMinute) !== undefined) {
      return refuseRaw(socket, 429, 'Too Many Requests', `${pages.tooManyRequests.title}\n`);
    }
    picker
      .pick(route, route.liveDeploymentId as string, Date.now() + options.requestTimeoutMs)
      .then(
        ({ endpoint, deploymentId }) => {
          const release = picker.track(deploymentId);
          proxyUpgrade({
            req,
            socket,
            head,
            endpoint,
            deploymentId,
            requestId,
            onDone: (status, bytesIn, bytesOut) => {
              release();
              options.usage?.record(route.appId, route.ministryId, status, bytesIn, bytesOut);
            },
          });
        },
        () => refuseRaw(socket, 503, 'Service Unavailable', `${pages.unavailable.title}\n`),
      );
  });

  // A gateway is not a forward proxy: CONNECT gets a clear refusal, not silence.
  server.on('connect', (_req, socket) => {
    refuseRaw(socket, 405, 'Method Not Allowed', `${pages.methodNotAllowed.title}\n`);
  });

  server.on('close', () => agent.destroy());
  return server;
}
