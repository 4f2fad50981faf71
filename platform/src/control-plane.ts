import { chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { AppLogEntry } from '@gov/contract';
import type { ScheduledOutcome } from '@gov/runtime';
import { serve } from '@hono/node-server';
import { AUDIT_CHECKPOINT_INTERVAL_MS, AuditCheckpointer } from './audit/checkpoints.ts';
import { RefusalAggregator } from './audit/refusals.ts';
import { loadAuditSigningKey } from './audit/signing-key.ts';
import { ensureBootstrapToken } from './auth/bootstrap.ts';
import { capability, loadInternalSecret } from './auth/internal-secret.ts';
import type { PlatformConfig } from './config.ts';
import { type Leadership, postgresLeadership, soleLeadership } from './coordination/leadership.ts';
import { inProcessSignals, postgresSignals, type Signals } from './coordination/signals.ts';
import { type DatabaseHandle, openDatabase } from './db/database.ts';
import { ensureDemoMinistry } from './demo/seed.ts';
import type {
  ClusterDriver,
  LogQuery,
  RequestLogEntry,
  ScheduledRequest,
  SqlAnswer,
  SqlRequest,
} from './drivers/driver.ts';
import { RouteFeed } from './gateway/route-feed.ts';
import { createApi } from './http/app.ts';
import { seedTestAccounts } from './identity/dev-accounts.ts';
import { type DevProvider, startDevProvider } from './identity/dev-provider.ts';
import { StaffIdentity } from './identity/staff-identity.ts';
import { ClusterLogCollector } from './logs/cluster-log-collector.ts';
import { ClusterLogStore } from './logs/cluster-log-store.ts';
import { Reconciler } from './reconciler/reconciler.ts';
import { type CronScheduler, startCronScheduler } from './scheduler/cron-scheduler.ts';
import { loadMasterKeys } from './secrets/master-key.ts';
import { SecretVault } from './secrets/vault.ts';

export type Logger = (entry: Record<string, unknown>) => void;

export interface RunningControlPlane {
  apiUrl: string;
  /** How the platform's own parts (runtimes, gateways) reach this API. */
  internalApiUrl: string;
  identity: StaffIdentity;
  /** Set when the development identity provider runs (no GOV_OIDC_ISSUER). */
  devProvider: DevProvider | undefined;
  /** Config with the ports actually bound (they differ when 0 was asked). */
  config: PlatformConfig;
  bootstrapTokenFile: string;
  internalSecret: Buffer;
  database: DatabaseHandle;
  reconciler: Reconciler;
  routes: RouteFeed;
  /** Signs the audit chain's head into the checkpoint file while this process leads. */
  auditCheckpointer: AuditCheckpointer;
  /** Fires cron triggers while this process leads; undefined until it does (or where none are provided). */
  readonly cronScheduler: CronScheduler | undefined;
  /** Resolves once this control plane leads and its boot reconcile is done. */
  leading: Promise<void>;
  stop(): Promise<void>;
}

/**
 * The control plane: storage, the API (and admin panel), the development
 * identity provider, and the reconciler when this process leads. It runs no
 * app and serves no citizen: restarting it leaves every running app and the
 * gateway untouched. Several may run on one PostgreSQL database; one leads.
 */
export async function startControlPlane(
  config: PlatformConfig,
  deps: { driver: ClusterDriver; log: Logger; onLeadershipLost?: () => void },
): Promise<RunningControlPlane> {
  const { driver, log } = deps;
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  // Only a directory's owner may chmod it, and a pod's emptyDir (the chart's
  // /var/lib/gov) belongs to root: there the volume keeps its mode, and what
  // the platform writes inside is still its user's alone (umask 077, 0600).
  if ((await stat(config.dataDir)).uid === process.getuid?.()) {
    await chmod(config.dataDir, 0o700);
  }
  const database = await openDatabase(
    config.databaseUrl
      ? { kind: 'postgres', url: config.databaseUrl }
      : { kind: 'pglite', dataDir: path.join(config.dataDir, 'db') },
  );
  const { db } = database;
  const bootstrapTokenFile = await ensureBootstrapToken(db, config.dataDir);
  const internalSecret = await loadInternalSecret(config.dataDir, config.internalSecret);
  // Read here rather than in config.ts: the key must not travel in the config object.
  const auditKey = await loadAuditSigningKey(config.dataDir, process.env.GOV_AUDIT_SIGNING_KEY);
  // The master key, like the audit key, never travels in the config object.
  const vault = new SecretVault(await loadMasterKeys(config.dataDir, process.env));
  const rewrapped = await vault.rewrap(db);
  if (rewrapped > 0) {
    log({
      level: 'info',
      component: 'secrets',
      message: `rewrapped ${rewrapped} data key(s) under the new master key`,
    });
  }
  const auditCheckpointer = new AuditCheckpointer({
    db,
    dataDir: config.dataDir,
    signingKey: auditKey,
    log,
  });
  const signals: Signals = config.databaseUrl
    ? postgresSignals(config.databaseUrl)
    : inProcessSignals();
  const routes = new RouteFeed(db, signals, log);
  await routes.start();
  if (config.demo) await ensureDemoMinistry(db);

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
  const bound: PlatformConfig = { ...config, apiPort };
  const apiUrl = `http://${hostForUrl(config.bindHost)}:${apiPort}`;
  const internalApiUrl = config.internalApiUrl ?? apiUrl;

  const { identity, devProvider } = await startIdentity(
    config,
    config.publicApiUrl ?? apiUrl,
    config.bindHost,
  );
  if (devProvider) await seedTestAccounts(db, devProvider.issuer);

  const refusals = new RefusalAggregator(db);
  // A cluster's pods keep their logs only while they exist: the platform keeps them.
  const clusterLogs = driver.collectLogs && !driver.readLogs ? new ClusterLogStore(db) : undefined;
  const reconciler = new Reconciler({
    db,
    driver,
    log,
    appCpuMillicores: config.appCpuMillicores,
    baseDomain: config.baseDomain,
    locateArtifact: (sha256) => ({
      url: `${internalApiUrl}/v1/artifacts/${sha256}`,
      token: capability(internalSecret, `artifact:${sha256}`),
    }),
    locateSecrets: (deploymentId) => ({
      url: `${internalApiUrl}/internal/v1/deployments/${deploymentId}/secrets`,
      token: capability(internalSecret, `secrets:${deploymentId}`),
    }),
    onRoutesChanged: () => routes.changed(),
  });
  api = createApi({
    db,
    config: bound,
    // Whichever control plane serves the request, the leader hears it.
    reconciler: { enqueue: (appId) => void signals.publish('gov_reconcile', appId) },
    routes,
    internalSecret,
    vault,
    provides: driver.provides,
    ...(driver.storageUsage
      ? {
          storageUsage: (ministryId: string): Promise<number> =>
            driver.storageUsage?.(ministryId) ?? Promise.resolve(0),
        }
      : {}),
    ...(driver.readLogs
      ? {
          logs: (query: LogQuery): Promise<AppLogEntry[]> =>
            driver.readLogs?.(query) ?? Promise.resolve([]),
        }
      : clusterLogs
        ? {
            logs: (query: LogQuery) => clusterLogs.read(query),
            requestLogs: (entries: RequestLogEntry[]) => clusterLogs.addRequests(entries),
          }
        : {}),
    ...(driver.runScheduled
      ? {
          scheduled: (request: ScheduledRequest): Promise<ScheduledOutcome> =>
            driver.runScheduled?.(request) ??
            Promise.resolve({ outcome: 'unavailable', durationMs: 0 }),
        }
      : {}),
    ...(driver.executeSql
      ? {
          sql: (request: SqlRequest): Promise<SqlAnswer> =>
            driver.executeSql?.(request) ?? Promise.reject(new Error('no SQL console')),
        }
      : {}),
    isReady: () => ready,
    runtime: () => driver.info(),
    refusals,
    log,
    identity,
  });

  const leadership: Leadership = config.databaseUrl
    ? postgresLeadership(config.databaseUrl, log)
    : soleLeadership();
  let unsubscribe: (() => void) | undefined;
  let cronScheduler: CronScheduler | undefined;
  let logCollector: ClusterLogCollector | undefined;
  const leading = leadership.elected.then(async () => {
    if (clusterLogs && driver.collectLogs) {
      const collect = driver.collectLogs.bind(driver);
      logCollector = new ClusterLogCollector({
        source: collect,
        store: clusterLogs,
        retentionDays: config.logRetentionDays,
        log,
      });
      logCollector.start();
    }
    if (driver.runScheduled) {
      cronScheduler = startCronScheduler({
        db,
        run: (request) => driver.runScheduled?.(request) ?? Promise.reject(new Error('no cron')),
        log,
      });
    }
    unsubscribe = await signals
      .subscribe('gov_reconcile', (appId) => reconciler.enqueue(appId))
      .catch((error: Error) => {
        // Without the signal, changes are still picked up by the resync, only later.
        log({
          level: 'error',
          component: 'reconciler',
          message: `cannot listen: ${error.message}`,
        });
        return undefined;
      });
    reconciler.watchDriver();
    reconciler.startResync(config.resyncIntervalMs);
    auditCheckpointer.start(AUDIT_CHECKPOINT_INTERVAL_MS);
    // A failed boot reconcile (the agent restarting, a database hiccup) is not
    // fatal: the resync above tries again. It must never crash the process.
    await reconciler.reconcileAll().catch((error: Error) =>
      log({
        level: 'warn',
        component: 'reconciler',
        message: `boot reconcile failed: ${error.message}`,
      }),
    );
  });
  leadership.onLost(() => {
    // Another control plane may lead now: this one must stop acting at once.
    void reconciler.stop();
    void auditCheckpointer.stop();
    void cronScheduler?.stop();
    void logCollector?.stop();
    deps.onLeadershipLost?.();
  });
  // A leader is ready once it has reconciled; a standby as soon as its API answers.
  if (await leadership.decided) await leading;
  ready = true;

  await writeFile(
    path.join(config.dataDir, 'endpoints.json'),
    `${JSON.stringify({ apiUrl, pid: process.pid }, null, 2)}\n`,
    { mode: 0o600 },
  );

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      ready = false;
      routes.stop();
      await closeServer(apiServer as unknown as http.Server);
      await devProvider?.close();
      unsubscribe?.();
      await reconciler.stop();
      await cronScheduler?.stop();
      await logCollector?.stop();
      // Refused attempts still being counted are written before the log is checkpointed.
      await refusals.stop();
      // The last records written before shutdown get a checkpoint too.
      await auditCheckpointer.stop();
      await leadership.close();
      await signals.close();
      await driver.close();
      await database.close();
    })();
    return stopping;
  };
  return {
    apiUrl,
    internalApiUrl,
    identity,
    devProvider,
    config: bound,
    bootstrapTokenFile,
    internalSecret,
    database,
    reconciler,
    routes,
    auditCheckpointer,
    get cronScheduler() {
      return cronScheduler;
    },
    leading,
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

export function hostForUrl(bindHost: string): string {
  if (bindHost === '0.0.0.0' || bindHost === '::') return '127.0.0.1';
  return bindHost.includes(':') ? `[${bindHost}]` : bindHost;
}

export function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
