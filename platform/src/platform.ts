import { mkdir, writeFile } from 'node:fs/promises';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { ensureBootstrapToken } from './auth/bootstrap.ts';
import type { PlatformConfig } from './config.ts';
import { type DatabaseHandle, openDatabase } from './db/database.ts';
import { LocalDriver } from './drivers/local/local-driver.ts';
import { reapOrphans } from './drivers/local/orphans.ts';
import { createGateway } from './gateway/gateway.ts';
import { RouteTable } from './gateway/route-table.ts';
import { createApi } from './http/app.ts';
import { seedTestAccounts } from './identity/dev-accounts.ts';
import { type DevProvider, startDevProvider } from './identity/dev-provider.ts';
import { StaffIdentity } from './identity/staff-identity.ts';
import { Reconciler } from './reconciler/reconciler.ts';
import { UsageMeter } from './usage/meter.ts';

export interface RunningPlatform {
  apiUrl: string;
  gatewayUrl: string;
  identity: StaffIdentity;
  /** Set when the development identity provider runs (no GOV_OIDC_ISSUER). */
  devProvider: DevProvider | undefined;
  /** Config with the ports actually bound (they differ when 0 was asked). */
  config: PlatformConfig;
  bootstrapTokenFile: string;
  storage: DatabaseHandle['kind'];
  database: DatabaseHandle;
  driver: LocalDriver;
  reconciler: Reconciler;
  stop(): Promise<void>;
}

export type Logger = (entry: Record<string, unknown>) => void;

/** How often the gateway re-reads routes even without a change signal. */
const ROUTE_REFRESH_MS = 2_000;
/** How often metered usage is written to the database. */
const USAGE_FLUSH_MS = 5_000;

/**
 * Starts the whole platform in this process: storage, the local driver,
 * the reconciler (which brings every live app back), the citizen gateway and
 * the API. Resolves once the API answers and the boot reconcile is done.
 */
export async function startPlatform(config: PlatformConfig, log: Logger): Promise<RunningPlatform> {
  await mkdir(config.dataDir, { recursive: true });
  const database = await openDatabase(
    config.databaseUrl
      ? { kind: 'postgres', url: config.databaseUrl }
      : { kind: 'pglite', dataDir: path.join(config.dataDir, 'db') },
  );
  const { db } = database;
  const bootstrapTokenFile = await ensureBootstrapToken(db, config.dataDir);

  const runDir = path.join(config.dataDir, 'run');
  const reaped = await reapOrphans(runDir);
  if (reaped > 0)
    log({ level: 'info', message: `stopped ${reaped} workerd process(es) left by a previous run` });
  const driver = new LocalDriver({
    workDir: runDir,
    idleTimeoutMs: config.idleTimeoutMs,
    startTimeoutMs: config.startTimeoutMs,
    onLog: (deploymentId, line) =>
      log({ level: 'app', deploymentId, stream: line.stream, line: line.line }),
    onEvent: (deploymentId, event) => log({ level: 'info', deploymentId, event: event.type }),
  });

  const table = new RouteTable(db);
  await table.refresh();
  table.start(ROUTE_REFRESH_MS);
  const reconciler = new Reconciler({ db, driver, log, onLiveChanged: () => table.refresh() });
  const meter = new UsageMeter(db);
  meter.start(USAGE_FLUSH_MS);

  const gateway = createGateway({
    table,
    driver,
    baseDomain: config.baseDomain,
    requestTimeoutMs: config.requestTimeoutMs,
    meter,
    log,
  });
  const gatewayPort = await listen(gateway, config.gatewayPort, config.bindHost);
  const bound: PlatformConfig = { ...config, gatewayPort };

  let ready = false;
  // The API listens first: its URL is the base of the admin panel's redirect URI,
  // which the identity provider must know. Requests before the app exists get 503.
  let api: ReturnType<typeof createApi> | undefined;
  const apiServer = serve({
    fetch: (request, env) =>
      api ? api.fetch(request, env) : new Response('starting', { status: 503 }),
    port: config.apiPort,
    hostname: config.bindHost,
  });
  const apiPort = await new Promise<number>((resolve, reject) => {
    apiServer.once('listening', () => resolve((apiServer.address() as AddressInfo).port));
    apiServer.once('error', reject);
  });
  const apiConfig: PlatformConfig = { ...bound, apiPort };
  const apiUrl = `http://${hostForUrl(config.bindHost)}:${apiPort}`;

  const { identity, devProvider } = await startIdentity(
    config,
    config.publicApiUrl ?? apiUrl,
    config.bindHost,
  );
  if (devProvider) await seedTestAccounts(db, devProvider.issuer);
  api = createApi({ db, config: apiConfig, reconciler, isReady: () => ready, log, identity });

  await reconciler.reconcileAll();
  reconciler.startResync(config.resyncIntervalMs);
  ready = true;

  const gatewayUrl = `http://${config.baseDomain}:${gatewayPort}`;
  await writeFile(
    path.join(config.dataDir, 'endpoints.json'),
    `${JSON.stringify({ apiUrl, gatewayUrl, pid: process.pid }, null, 2)}\n`,
  );

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      ready = false;
      await closeServer(apiServer as unknown as http.Server);
      await devProvider?.close();
      await closeServer(gateway);
      await meter.stop();
      await reconciler.stop();
      table.stop();
      await driver.close();
      await database.close();
    })();
    return stopping;
  };
  return {
    apiUrl,
    gatewayUrl,
    identity,
    devProvider,
    config: apiConfig,
    bootstrapTokenFile,
    storage: database.kind,
    database,
    driver,
    reconciler,
    stop,
  };
}

/** The configured OpenID Provider, or the development one started here. */
async function startIdentity(config: PlatformConfig, apiBaseUrl: string, host: string) {
  const adminRedirectUri = `${apiBaseUrl.replace(/\/$/, '')}/admin/callback`;
  if (config.oidc.kind === 'external') {
    const { issuer, clientId, clientSecret, cliClientId } = config.oidc;
    const identity = await StaffIdentity.discover({
      issuer,
      admin: { clientId, clientSecret },
      cliClientId,
      adminRedirectUri,
    });
    return { identity, devProvider: undefined };
  }
  const devProvider = await startDevProvider({
    host: hostForUrl(host),
    port: config.oidc.port,
    adminRedirectUri,
    codeTtlSeconds: config.oidc.codeTtlSeconds,
  });
  const identity = await StaffIdentity.discover({
    issuer: devProvider.issuer,
    admin: devProvider.admin,
    cliClientId: devProvider.cliClientId,
    adminRedirectUri,
  });
  return { identity, devProvider };
}

function hostForUrl(bindHost: string): string {
  if (bindHost === '0.0.0.0' || bindHost === '::') return '127.0.0.1';
  return bindHost.includes(':') ? `[${bindHost}]` : bindHost;
}

function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
