import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AppLogEntry } from '@gov/contract';
import {
  CgroupManager,
  fetchArtifact,
  type LimitEnforcement,
  type LogLine,
  type ScheduledOutcome,
  type VerifiedArtifact,
  verifiedArtifact,
} from '@gov/runtime';
import { ServiceRelay } from '../../../gateway/service-relay.ts';
import { requestLine } from '../../../logs/request-line.ts';
import type {
  DriverWatchEvent,
  Endpoint,
  LogQuery,
  MinistrySpec,
  ObservedVersion,
  RequestLogEntry,
  ScheduledRequest,
  SqlRequest,
  VersionSpec,
} from '../../driver.ts';
import { logKindOf } from '../../log-kind.ts';
import { AppLogStore } from './log-store.ts';
import { ObjectLease } from './object-lease.ts';
import { RunningVersion } from './running-version.ts';
import { prepareSecretsRoot } from './secrets-root.ts';
import { Semaphore } from './semaphore.ts';
import { StorageService } from './storage-service.ts';
import { reapStrayWorkerd } from './strays.ts';

/** What the agent publishes: the driver's watch events, plus endpoints for gateways. */
export type AgentEvent =
  | DriverWatchEvent
  | { kind: 'endpoints'; deploymentId: string; endpoints: Endpoint[] };

export interface AgentEventRecord {
  resourceVersion: number;
  event: AgentEvent;
}

export interface LocalAgentOptions {
  /** The agent's own directory: version working dirs, artifact cache, its socket. */
  runDir: string;
  idleTimeoutMs: number;
  startTimeoutMs: number;
  /** How long a removed version keeps its endpoints, for gateways a route change behind. */
  drainGraceMs?: number;
  /** How long a removed version may take to finish its requests in flight. */
  drainTimeoutMs?: number;
  /** Processes starting at once: a boot never starts every app together. */
  maxConcurrentStarts?: number;
  /** Where the storage service keeps app data (default: `storage` in the run directory). */
  storageDir?: string;
  /** Where apps' logs are kept (default: `logs` in the run directory), and for how long. */
  logsDir?: string;
  logRetentionDays?: number;
  /** Where apps' Durable Objects keep their state (default: `durable-objects` in the run directory). */
  durableObjectsDir?: string;
  /** The domain apps are served under: service bindings reach `<app>.<ministry>.<domain>`. */
  baseDomain?: string;
  /** Where the citizen gateway listens, when known at start (else it announces itself). */
  gatewayAddress?: string;
  log?: (entry: Record<string, unknown>) => void;
  onLog?: (deploymentId: string, line: LogLine) => void;
}

/** A removal under way: cancelled when the version is applied again before it stops. */
interface Drain {
  cancelled: boolean;
  stopping: boolean;
}

/** Gateways report in-flight requests this often; a silent client is forgotten after STALE. */
export const ACTIVITY_REPORT_MS = 250;
const ACTIVITY_STALE_MS = 5_000;
const HISTORY = 2_000;
/** Version directories nobody asked for again this long after a start are removed. */
const PRUNE_AFTER_MS = 10 * 60_000;

interface ClientActivity {
  at: number;
  inFlight: Map<string, number>;
}

/**
 * The local "cluster": one agent per machine runs every app version as
 * workerd processes and reports what it observes. It lives in the launcher,
 * not the control plane, so a control-plane restart (or a second control
 * plane) finds every instance still running and simply re-applies the same
 * specs: nothing is killed, idle versions stay idle. The control plane talks
 * to it through the local driver; gateways ask it for endpoints and wakes.
 */
export class LocalAgent {
  readonly #options: Required<
    Omit<
      LocalAgentOptions,
      | 'log'
      | 'onLog'
      | 'storageDir'
      | 'logsDir'
      | 'logRetentionDays'
      | 'baseDomain'
      | 'gatewayAddress'
      | 'durableObjectsDir'
    >
  > &
    Pick<LocalAgentOptions, 'log' | 'onLog' | 'durableObjectsDir'>;
  readonly #versions = new Map<string, RunningVersion>();
  /** Versions draining before they stop; `cancel` keeps one that is wanted again in time. */
  readonly #removals = new Map<string, { done: Promise<void>; cancel: () => boolean }>();
  readonly #withdrawn = new Set<string>();
  readonly #ministries = new Map<string, MinistrySpec>();
  readonly #artifacts = new Map<string, Promise<VerifiedArtifact>>();
  readonly #clients = new Map<string, ClientActivity>();
  readonly #lastPublished = new Map<string, string>();
  readonly #listeners = new Set<(record: AgentEventRecord) => void>();
  readonly #semaphore: Semaphore;
  readonly #cgroups: CgroupManager | undefined;
  /** tmpfs folder for the instances' secret files; see secrets-root.ts. */
  readonly #secretsRoot: string | undefined;
  /** Serves the apps' KV namespaces; see storage-service.ts. */
  readonly #storage: StorageService;
  /** Where service bindings lead; see service-relay.ts. */
  readonly #relay: ServiceRelay;
  /** One process at a time per app holds its Durable Objects; see object-lease.ts. */
  readonly #objectLease = new ObjectLease();
  readonly #logs: AppLogStore;
  readonly #logPruneTimer: NodeJS.Timeout;
  readonly #sweep: NodeJS.Timeout;
  readonly #pruneTimer: NodeJS.Timeout;
  #history: AgentEventRecord[] = [];
  #resourceVersion = 0;
  /** Resource versions count from 0 again in a new agent: watchers tell agents apart by this. */
  readonly epoch = randomBytes(6).toString('hex');
  #closed = false;

  private constructor(
    options: LocalAgentOptions,
    cgroups: CgroupManager | undefined,
    secretsRoot: string | undefined,
    storage: StorageService,
    relay: ServiceRelay,
  ) {
    this.#cgroups = cgroups;
    this.#secretsRoot = secretsRoot;
    this.#storage = storage;
    this.#relay = relay;
    this.#logs = new AppLogStore(
      options.logsDir ?? path.join(options.runDir, 'logs'),
      options.logRetentionDays ?? 7,
    );
    void this.#logs.prune();
    this.#logPruneTimer = setInterval(() => void this.#logs.prune(), 60 * 60_000);
    this.#logPruneTimer.unref();
    this.#options = {
      drainGraceMs: 1_000,
      drainTimeoutMs: 30_000,
      maxConcurrentStarts: 2,
      ...options,
    };
    this.#semaphore = new Semaphore(this.#options.maxConcurrentStarts);
    const sweepMs = Math.max(50, Math.min(5_000, Math.floor(options.idleTimeoutMs / 4)));
    this.#sweep = setInterval(() => void this.#scaleIdleToZero(), sweepMs);
    this.#sweep.unref();
    this.#pruneTimer = setTimeout(() => void this.#pruneForgotten(), PRUNE_AFTER_MS);
    this.#pruneTimer.unref();
  }

  /** Starts an agent on `runDir`, first killing workerd processes a crashed agent left there. */
  static async start(options: LocalAgentOptions): Promise<LocalAgent> {
    await mkdir(options.runDir, { recursive: true, mode: 0o700 });
    await chmod(options.runDir, 0o700);
    const reaped = await reapStrayWorkerd(options.runDir);
    if (reaped > 0) {
      options.log?.({
        level: 'info',
        message: `stopped ${reaped} workerd process(es) left by a previous run`,
      });
    }
    // One cgroup folder per run directory: two platforms on a machine never meet.
    const namespace = createHash('sha256')
      .update(path.resolve(options.runDir))
      .digest('hex')
      .slice(0, 12);
    const cgroups = await CgroupManager.detect(namespace);
    await cgroups?.removeStale();
    options.log?.({
      level: 'info',
      message: cgroups
        ? 'app memory, CPU and process limits are enforced by the kernel (cgroup v1)'
        : 'cgroups are not writable here: app memory is limited by the platform watchdog only, and CPU is not capped',
    });
    const storage = await StorageService.start({
      runDir: path.join(options.runDir, 'storage-service'),
      dataDir: options.storageDir ?? path.join(options.runDir, 'storage'),
      log: options.log,
    });
    const relay = await ServiceRelay.start({
      baseDomain: options.baseDomain ?? 'localhost',
      ...(options.gatewayAddress ? { gateway: options.gatewayAddress } : {}),
    });
    return new LocalAgent(options, cgroups, await prepareSecretsRoot(namespace), storage, relay);
  }

  /** The citizen gateway says where it listens: service bindings go there. */
  announceGateway(address: string): void {
    this.#relay.setGateway(address);
  }

  /** How app limits are enforced here: kernel cgroups, or the watchdog fallback. */
  get enforcement(): LimitEnforcement {
    return this.#cgroups?.kind ?? 'watchdog';
  }

  get resourceVersion(): number {
    return this.#resourceVersion;
  }

  async applyMinistry(spec: MinistrySpec): Promise<void> {
    // Locally a ministry owns nothing as a whole yet: its apps are separate
    // processes. Kept so that versions can be checked against it later.
    this.#ministries.set(spec.ministryId, spec);
    // Level-based: the limit is set again at every apply; the service keeps it.
    await this.#storage.client.setLimit(spec.ministryId, spec.quota.maxKvBytes);
  }

  /** A developer's SQL in one of an app's D1 databases: the storage service's answer, as it is. */
  executeSql(request: SqlRequest) {
    return this.#storage.client.executeSqlRaw(request);
  }

  /** An app's logs, oldest first: its output, its exceptions, the requests it served. */
  readLogs(query: LogQuery): Promise<AppLogEntry[]> {
    return this.#logs.read(query);
  }

  /** Requests the gateway served, into each app's logs. */
  recordRequests(entries: RequestLogEntry[]): void {
    for (const e of entries) {
      this.#logs.add(e.appId, { ...requestLine(e), at: new Date(e.at) });
    }
  }

  /** What a ministry stores, for the quota's usage figures. */
  storageUsage(ministryId: string) {
    return this.#storage.client.usage(ministryId);
  }

  async apply(spec: VersionSpec): Promise<void> {
    if (this.#closed) throw new Error('the agent is stopping');
    const removal = this.#removals.get(spec.deploymentId);
    // Wanted again while it drains: keep it, as a controller re-creating
    // desired state would, instead of stopping it and starting it anew.
    if (removal && !removal.cancel()) await removal.done;
    const existing = this.#versions.get(spec.deploymentId);
    if (existing) {
      this.#objectLease.applied(existing);
      await existing.update(spec);
      return;
    }
    const dir = path.join(this.#options.runDir, spec.deploymentId);
    const startIdle = existsSync(path.join(dir, 'idle'));
    await cleanInstanceDirs(dir);
    const version = new RunningVersion({
      spec,
      dir,
      startIdle,
      startTimeoutMs: this.#options.startTimeoutMs,
      throttle: (start) => this.#semaphore.run(start),
      loadArtifact: (s) => this.#loadArtifact(s),
      onChange: () => this.#publishVersion(spec.deploymentId),
      onEvent: (type, message) =>
        this.#publish({
          kind: 'event',
          event: {
            deploymentId: spec.deploymentId,
            appId: spec.appId,
            type,
            message,
            at: new Date().toISOString(),
          },
        }),
      onLog: (line) => {
        this.#logs.add(spec.appId, {
          deploymentId: spec.deploymentId,
          kind: logKindOf(line.line),
          stream: line.stream,
          message: line.line,
          at: line.at,
        });
        this.#options.onLog?.(spec.deploymentId, line);
      },
      cgroups: this.#cgroups,
      secretsRoot: this.#secretsRoot,
      storage: {
        address: this.#storage.address,
        appId: spec.appId,
        ministryId: spec.ministryId,
        capability: this.#storage.client.capabilityFor(spec.ministryId, spec.appId),
      },
      services: spec.services.map((s) => ({
        name: s.name,
        address: this.#relay.address,
        headers: this.#relay.headersFor(spec.ministry, spec.appId, s.app),
      })),
      ...(spec.durableObjects.length > 0
        ? {
            objects: {
              dir: path.join(
                this.#options.durableObjectsDir ??
                  path.join(this.#options.runDir, 'durable-objects'),
                spec.appId,
              ),
              lease: this.#objectLease,
              drained: () => this.#drained(spec.deploymentId),
            },
          }
        : {}),
    });
    this.#objectLease.applied(version);
    this.#versions.set(spec.deploymentId, version);
    this.#publishVersion(spec.deploymentId);
    version.begin();
  }

  async remove(deploymentId: string): Promise<void> {
    const version = this.#versions.get(deploymentId);
    if (!version || this.#removals.has(deploymentId)) return;
    version.markTerminating();
    const drain: Drain = { cancelled: false, stopping: false };
    const cancel = () => {
      if (drain.stopping) return false;
      if (!drain.cancelled) {
        drain.cancelled = true;
        // Its instances answer again at once: citizens wait for no restart.
        this.#withdrawn.delete(deploymentId);
        version.revive();
        this.#publishVersion(deploymentId);
      }
      return true;
    };
    const done = this.#drainAndStop(version, drain).finally(() =>
      this.#removals.delete(deploymentId),
    );
    this.#removals.set(deploymentId, { done, cancel });
  }

  list(): ObservedVersion[] {
    return [...this.#versions.values()].map((v) => v.observe());
  }

  endpoints(deploymentId: string): Endpoint[] {
    if (this.#withdrawn.has(deploymentId)) return [];
    return this.#versions.get(deploymentId)?.endpoints() ?? [];
  }

  allEndpoints(): Record<string, Endpoint[]> {
    const out: Record<string, Endpoint[]> = {};
    for (const id of this.#versions.keys()) out[id] = this.endpoints(id);
    return out;
  }

  async wake(deploymentId: string, timeoutMs: number): Promise<void> {
    const version = this.#versions.get(deploymentId);
    if (!version || this.#withdrawn.has(deploymentId)) {
      throw Object.assign(new Error(`version ${deploymentId} does not run here`), {
        code: 'unknown_version' as const,
      });
    }
    await version.wake(timeoutMs);
  }

  /** A scheduled event (a cron trigger's, or a manual run) for one version it runs. */
  async runScheduled(request: ScheduledRequest): Promise<ScheduledOutcome> {
    const version = this.#versions.get(request.deploymentId);
    if (!version || this.#withdrawn.has(request.deploymentId)) {
      return {
        outcome: 'unavailable',
        message: `version ${request.deploymentId} does not run here`,
        durationMs: 0,
      };
    }
    return version.runScheduled({ cron: request.cron, scheduledTime: request.scheduledTime });
  }

  /** A gateway's periodic report of its requests in flight, per version. */
  reportActivity(clientId: string, inFlight: Record<string, number>, activeIds: string[]): void {
    const now = Date.now();
    this.#clients.set(clientId, { at: now, inFlight: new Map(Object.entries(inFlight)) });
    for (const id of activeIds) {
      const version = this.#versions.get(id);
      if (version) version.lastActivityMs = now;
    }
  }

  /**
   * Changes after `since`, then every new one. Returns false when `since` is
   * older than the kept history: the caller must re-list.
   */
  subscribe(
    since: number | undefined,
    listener: (record: AgentEventRecord) => void,
  ): { replayed: boolean; unsubscribe: () => void } {
    let replayed = true;
    if (since !== undefined && since > this.#resourceVersion) replayed = false;
    else if (since !== undefined && since < this.#resourceVersion) {
      const oldest = this.#history[0]?.resourceVersion ?? this.#resourceVersion + 1;
      if (since < oldest - 1) replayed = false;
      else for (const record of this.#history) if (record.resourceVersion > since) listener(record);
    }
    this.#listeners.add(listener);
    return { replayed, unsubscribe: () => this.#listeners.delete(listener) };
  }

  /** Pids of a version's processes: the documented test hook for fault tests. */
  pidsOf(deploymentId: string): number[] {
    return this.#versions.get(deploymentId)?.pids() ?? [];
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#sweep);
    clearInterval(this.#logPruneTimer);
    clearTimeout(this.#pruneTimer);
    const all = [...this.#versions.values()];
    this.#versions.clear();
    await Promise.all(all.map((v) => v.stop()));
    this.#listeners.clear();
    await this.#cgroups?.dispose();
    await this.#storage.stop();
    await this.#relay.close();
    // The last lines the stopped instances wrote reach the disk before anyone removes it.
    await this.#logs.flush();
    if (this.#secretsRoot) await rm(this.#secretsRoot, { recursive: true, force: true });
  }

  #inFlight(deploymentId: string): number {
    const now = Date.now();
    let total = 0;
    for (const [id, client] of this.#clients) {
      if (now - client.at > ACTIVITY_STALE_MS) {
        this.#clients.delete(id);
        continue;
      }
      total += client.inFlight.get(deploymentId) ?? 0;
    }
    return total;
  }

  /** Resolves once a report made from now on shows nothing in flight for it (bounded by the drain timeout). */
  async #drained(deploymentId: string): Promise<void> {
    const from = Date.now();
    const deadline = from + this.#options.drainTimeoutMs;
    while (Date.now() < deadline) {
      if (Date.now() - from > 2 * ACTIVITY_REPORT_MS && this.#inFlight(deploymentId) === 0) return;
      await sleep(50);
    }
  }

  /** Ends early, leaving the version running, once `drain.cancelled`: it was wanted again. */
  async #drainAndStop(version: RunningVersion, drain: Drain): Promise<void> {
    const id = version.id;
    // Gateways a route change behind may still send requests for a moment.
    await sleep(this.#options.drainGraceMs);
    if (drain.cancelled) return;
    this.#withdrawn.add(id);
    this.#publish({ kind: 'endpoints', deploymentId: id, endpoints: [] });
    const withdrawnAt = Date.now();
    const deadline = withdrawnAt + this.#options.drainTimeoutMs;
    // Wait for a report made after the withdrawal that shows nothing in flight.
    while (Date.now() < deadline) {
      if (drain.cancelled) return;
      if (Date.now() - withdrawnAt > 2 * ACTIVITY_REPORT_MS && this.#inFlight(id) === 0) break;
      await sleep(50);
    }
    if (drain.cancelled) return;
    drain.stopping = true;
    await version.stop();
    this.#versions.delete(id);
    this.#withdrawn.delete(id);
    this.#lastPublished.delete(`v:${id}`);
    this.#lastPublished.delete(`e:${id}`);
    this.#publish({ kind: 'deleted', deploymentId: id, appId: version.spec.appId });
    await rm(path.join(this.#options.runDir, id), { recursive: true, force: true });
  }

  async #scaleIdleToZero(): Promise<void> {
    const now = Date.now();
    for (const version of this.#versions.values()) {
      if (version.phase !== 'running' || this.#withdrawn.has(version.id)) continue;
      if (now - version.lastActivityMs < this.#options.idleTimeoutMs) continue;
      if (this.#inFlight(version.id) > 0) continue;
      await version.scaleToZero();
    }
  }

  #loadArtifact(spec: VersionSpec): Promise<VerifiedArtifact> {
    const { sha256 } = spec.artifact;
    let loading = this.#artifacts.get(sha256);
    if (!loading) {
      loading = this.#readOrFetch(spec).finally(() => this.#artifacts.delete(sha256));
      this.#artifacts.set(sha256, loading);
    }
    return loading;
  }

  /** The agent's copy of an artifact, verified on every read; fetched by digest when missing. */
  async #readOrFetch(spec: VersionSpec): Promise<VerifiedArtifact> {
    const dir = path.join(this.#options.runDir, 'artifacts');
    const file = path.join(dir, spec.artifact.sha256);
    const cached = await readFile(file).catch(() => undefined);
    if (cached) {
      try {
        return verifiedArtifact(new Uint8Array(cached), spec.artifact.sha256);
      } catch {
        // Altered on disk: never run it, fetch a good copy instead.
        await rm(file, { force: true });
      }
    }
    const { bytes, artifact } = await fetchArtifact(spec.artifact);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(file, bytes, { mode: 0o600 });
    return artifact;
  }

  #publishVersion(deploymentId: string): void {
    const version = this.#versions.get(deploymentId);
    if (!version) return;
    const observed = version.observe();
    const key = JSON.stringify({ ...observed, conditions: observed.conditions });
    if (this.#lastPublished.get(`v:${deploymentId}`) !== key) {
      this.#lastPublished.set(`v:${deploymentId}`, key);
      this.#publish({ kind: 'version', version: observed });
    }
    const endpoints = this.endpoints(deploymentId);
    const endpointKey = JSON.stringify(endpoints);
    if (this.#lastPublished.get(`e:${deploymentId}`) !== endpointKey) {
      this.#lastPublished.set(`e:${deploymentId}`, endpointKey);
      this.#publish({ kind: 'endpoints', deploymentId, endpoints });
    }
  }

  #publish(event: AgentEvent): void {
    this.#resourceVersion += 1;
    const record = { resourceVersion: this.#resourceVersion, event };
    this.#history.push(record);
    if (this.#history.length > HISTORY) this.#history = this.#history.slice(-HISTORY / 2);
    for (const listener of this.#listeners) listener(record);
  }

  /** Directories of versions nobody re-applied since this agent started: left by an old run. */
  async #pruneForgotten(): Promise<void> {
    const entries = await readdir(this.#options.runDir).catch(() => [] as string[]);
    for (const entry of entries) {
      if (!entry.startsWith('dep_') || this.#versions.has(entry)) continue;
      await rm(path.join(this.#options.runDir, entry), { recursive: true, force: true });
    }
  }
}

/** Instance directories of a previous run of this version; its idle marker stays. */
async function cleanInstanceDirs(dir: string): Promise<void> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    entries
      .filter((e) => e !== 'idle')
      .map((e) => rm(path.join(dir, e), { recursive: true, force: true })),
  );
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
