import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { capability } from '../auth/internal-secret.ts';
import type { PlatformConfig } from '../config.ts';
import type { EndpointResolver } from '../drivers/driver.ts';
import { createGateway } from './gateway.ts';
import { controlPlaneRequestLog, RequestLog } from './request-log.ts';
import { RouteSubscription } from './route-subscription.ts';
import { RouteTable } from './route-table.ts';
import { ServiceRelay, serviceRelayKey } from './service-relay.ts';
import { UsageReporter } from './usage-reporter.ts';

/** How often counted usage goes to the control plane. */
const USAGE_REPORT_MS = 5_000;
/** How often served requests go to the apps' logs: soon enough for `gov logs --follow`. */
const REQUEST_LOG_MS = 500;

export interface RunningGateway {
  gatewayUrl: string;
  port: number;
  table: RouteTable;
  routes: RouteSubscription;
  usage: UsageReporter;
  stop(): Promise<void>;
}

/**
 * The citizen gateway as its own process (or in-process for tests): routes
 * pushed by a control plane, endpoints and wake-ups from the driver. It
 * shares no event loop with the database, and keeps serving while every
 * control plane is down.
 */
export async function startGateway(
  config: PlatformConfig,
  deps: {
    resolver: EndpointResolver;
    controlPlaneUrl: string;
    internalSecret: Buffer;
    log: (entry: Record<string, unknown>) => void;
  },
): Promise<RunningGateway> {
  const token = capability(deps.internalSecret, 'gateway');
  const table = new RouteTable();
  const routes = new RouteSubscription({
    table,
    controlPlaneUrl: deps.controlPlaneUrl,
    token,
    cacheFile:
      config.driver === 'local' ? path.join(config.dataDir, 'run', 'routes.json') : undefined,
    log: deps.log,
  });
  await routes.start();
  const usage = new UsageReporter(deps.controlPlaneUrl, token);
  usage.start(USAGE_REPORT_MS);
  const requestLog = new RequestLog(
    deps.resolver.recordRequests
      ? (entries) => deps.resolver.recordRequests?.(entries) ?? Promise.resolve()
      : config.driver === 'kubernetes'
        ? controlPlaneRequestLog(deps.controlPlaneUrl, token)
        : undefined,
    deps.log,
  );
  requestLog.start(REQUEST_LOG_MS);
  const server = createGateway({
    table,
    resolver: deps.resolver,
    baseDomain: config.baseDomain,
    requestTimeoutMs: config.requestTimeoutMs,
    nextRoutes: (timeoutMs) => routes.nextSnapshot(timeoutMs),
    usage,
    requestLog,
    log: deps.log,
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.gatewayPort, config.bindHost, () =>
      resolve((server.address() as AddressInfo).port),
    );
  });
  // On a cluster, apps' service bindings come to this gateway's relay, on
  // the pod network; it hands each call back to this gateway, on loopback.
  const relayConfig = config.driver === 'kubernetes' ? config.kubernetes.serviceRelay : null;
  const relay = relayConfig
    ? await ServiceRelay.start({
        baseDomain: config.baseDomain,
        gateway: `${loopbackOf(config.bindHost)}:${port}`,
        key: serviceRelayKey(deps.internalSecret),
        host: config.bindHost,
        port: relayConfig.port,
      })
    : undefined;
  // Service bindings reach apps through this gateway: the agent learns where it is.
  await deps.resolver.announceGateway?.(`127.0.0.1:${port}`).catch((error: Error) =>
    deps.log({
      level: 'warn',
      component: 'gateway',
      message: `service bindings will not reach this gateway: ${error.message}`,
    }),
  );
  let stopping: Promise<void> | undefined;
  return {
    gatewayUrl: `http://${config.baseDomain}:${port}`,
    port,
    table,
    routes,
    usage,
    stop: () => {
      stopping ??= (async () => {
        await relay?.close();
        await drain(server);
        routes.stop();
        await usage.stop();
        await requestLog.stop();
        await deps.resolver.close();
      })();
      return stopping;
    },
  };
}

/** Where this machine reaches a server bound to `host`: loopback for the wildcard addresses. */
function loopbackOf(host: string): string {
  return host === '0.0.0.0' || host === '::' || host === '' ? '127.0.0.1' : host;
}

/** Stops accepting, lets requests in flight finish (bounded), then closes what is left. */
function drain(server: http.Server, graceMs = 10_000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
