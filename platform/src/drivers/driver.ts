import type { AppLogEntry, DeploymentCondition, DeploymentEventType } from '@gov/contract';
import type {
  ArtifactRef,
  EgressPolicy,
  PlatformBinding,
  ScheduledOutcome,
  SecretsRef,
} from '@gov/runtime';

/**
 * What should run for one version of an app: desired state, as a driver
 * receives it. The code is named by digest; the driver fetches and verifies
 * it. Everything here is plain data, so it can be compared and hashed.
 */
export interface VersionSpec {
  deploymentId: string;
  appId: string;
  ministryId: string;
  /** Names for humans, labels and hostnames. */
  ministry: string;
  app: string;
  version: number;
  /** Digest of this spec: the driver reports which generation it acts on. */
  generation: string;
  artifact: ArtifactRef;
  compatibilityDate: string;
  compatibilityFlags: string[];
  vars: Record<string, string>;
  /** The app's secrets bound to the version: names and where to read them (values never travel in a spec); null: none. */
  secrets: SecretsRef | null;
  /** The app's bindings to platform services; filled by the bindings work. */
  bindings: VersionBinding[];
  instances: number;
  memoryMib: number;
  /** CPU for each instance, in thousandths of a core: a cap, so a busy app cannot starve others. */
  cpuMillicores: number;
  egress: EgressPolicy;
  /** The app's declared health path, probed for readiness; null: ready once listening. */
  healthPath: string | null;
  /** Cron triggers (UTC): the version listens for scheduled events when there are any. */
  crons: string[];
  /** Service bindings: apps of the same ministry, by the binding's name and the app's slug. */
  services: Array<{ name: string; app: string }>;
  /** The app's Durable Object classes bound into the version (one instance then, see object-lease.ts). */
  durableObjects: Array<{ name: string; className: string; sql: boolean }>;
  /**
   * True when this version has served citizens before: a failed start is then
   * an incident retried with backoff, never a verdict that gives up on it.
   */
  servedBefore: boolean;
}

/** A platform service bound into the app under a name: a KV namespace, so far. */
export type VersionBinding = PlatformBinding;

/** What a ministry owns as a whole: a namespace, its quota and network policy on Kubernetes. */
export interface MinistrySpec {
  ministryId: string;
  ministry: string;
  quota: {
    maxApps: number;
    maxMemoryMibPerApp: number;
    maxInstancesPerApp: number;
    /** What the ministry's apps may keep in KV, all together. */
    maxKvBytes: number;
  };
  egress: EgressPolicy;
}

/** What a driver observes of one version it runs. */
export interface ObservedVersion {
  deploymentId: string;
  appId: string;
  ministryId: string;
  /** The spec generation these observations are about. */
  generation: string;
  instances: { desired: number; ready: number };
  /** Scaled to zero: known good, no instance running, started again on demand. */
  idle: boolean;
  /** Available, Progressing and Failed, with machine-readable reasons. */
  conditions: DeploymentCondition[];
  /** Full text behind a failure (bounded, host paths removed), null when healthy. */
  detail: string | null;
}

/** Something that happened to a version: crash, restart, memory kill, egress refusal. */
export interface VersionEvent {
  deploymentId: string;
  appId: string;
  type: DeploymentEventType;
  message: string;
  at: string;
}

export type DriverWatchEvent =
  | { kind: 'version'; version: ObservedVersion }
  | { kind: 'deleted'; deploymentId: string; appId: string }
  | { kind: 'event'; event: VersionEvent }
  /** The stream was interrupted: anything may have changed, re-list. */
  | { kind: 'resync' };

export interface Watch {
  close(): void;
}

/**
 * The control plane's side of a driver, level-based like a Kubernetes
 * controller's: `apply` records what should run and returns without waiting;
 * progress arrives through observation (`list` and `watch`). Every method is
 * idempotent and safe to call again after a crash of the control plane.
 */
export interface ClusterDriver {
  readonly name: 'local' | 'kubernetes';
  /** Which Workers bindings this driver provides: a deploy asking for another is refused, never dropped. */
  readonly provides: ProvidedBindings;
  /** What a ministry owns as a whole (namespace, quota, network policy). */
  applyMinistry(spec: MinistrySpec): Promise<void>;
  /** Records that this version should run as specified. Returns once recorded. */
  apply(spec: VersionSpec): Promise<void>;
  /** Records that this version should no longer run; it drains, then stops. */
  remove(deploymentId: string): Promise<void>;
  list(): Promise<ObservedVersion[]>;
  /** Changes as they happen; a `resync` event asks the watcher to re-list. */
  watch(onEvent: (event: DriverWatchEvent) => void): Watch;
  /** What runs apps here, and how their memory and CPU limits are enforced: for /readyz. */
  info(): Promise<DriverInfo>;
  /**
   * Where an app's own hostname leads, for drivers configured to publish it
   * (an Ingress or an HTTPRoute straight to the live version). Optional:
   * citizens always reach apps through the platform's gateway.
   */
  publishRoute?(route: AppRoute): Promise<void>;
  /**
   * Runs a developer's SQL in one of an app's D1 databases (`gov d1
   * execute`), where the driver keeps them. Optional: absent where D1 is not
   * provided.
   */
  executeSql?(request: SqlRequest): Promise<SqlAnswer>;
  /** What a ministry's apps keep in KV and D1, in bytes, where the driver stores them. Optional. */
  storageUsage?(ministryId: string): Promise<number>;
  /**
   * Delivers a scheduled event to one instance of a version (waking it if it
   * is idle) and waits for its handler. Optional: absent where cron
   * triggers are not provided.
   */
  runScheduled?(request: ScheduledRequest): Promise<ScheduledOutcome>;
  /** An app's logs where the driver keeps them (`gov logs`): oldest first. Optional. */
  readLogs?(query: LogQuery): Promise<AppLogEntry[]>;
  /**
   * Where the driver does not keep logs itself (a cluster's pods keep them
   * only while they exist): the lines written since the last call, for the
   * control plane to keep. Optional.
   */
  collectLogs?(): Promise<CollectedLogs>;
  close(): Promise<void>;
}

/** Lines collected from where apps ran; `commit` once they are kept, so the next call goes on from there. */
export interface CollectedLogs {
  apps: Array<{ appId: string; entries: AppLogEntry[] }>;
  commit(): void;
}

export interface ProvidedBindings {
  /** KV namespaces, D1 databases and R2 buckets, in the platform's storage service. */
  storage: boolean;
  durableObjects: boolean;
  services: boolean;
  crons: boolean;
}

export interface AppRoute {
  ministry: string;
  ministryId: string;
  app: string;
  appId: string;
  /** `<app>.<ministry>.<base domain>` */
  host: string;
  /** The live version, or null while none serves. */
  live: { deploymentId: string; version: number } | null;
}

export interface SqlRequest {
  ministryId: string;
  appId: string;
  /** The D1 binding's name, which names the database within the app. */
  binding: string;
  sql: string;
  /** `exec`: a script, answered with a count; `query`: one statement, answered with rows. */
  mode: 'exec' | 'query';
}

export type SqlAnswer =
  | { count: number; duration: number }
  | { columns: string[]; rows: unknown[][]; meta: Record<string, unknown> };

/** A request as the gateway saw it, for the app's logs. */
export interface RequestLogEntry {
  appId: string;
  deploymentId: string;
  at: string;
  method: string;
  /** Without the query string: it may carry a citizen's data. */
  path: string;
  status: number;
  durationMs: number;
  requestId: string;
}

export interface LogQuery {
  appId: string;
  after?: string;
  sinceMs?: number;
  limit?: number;
}

export interface DriverInfo {
  driver: 'local' | 'kubernetes';
  /** `cgroup-v1`: the kernel; `watchdog`: the platform's fallback; `kubernetes`: the kubelet. */
  limits: 'cgroup-v1' | 'watchdog' | 'kubernetes';
}

/** Where a request for a version can be sent. */
export interface Endpoint {
  host: string;
  port: number;
}

/** The gateway's side of a driver: where a version answers, and waking it. */
export interface EndpointResolver {
  /** Ready endpoints now; empty when scaled to zero or not ready. */
  endpoints(deploymentId: string): Promise<Endpoint[]>;
  /**
   * Asks the version to run and resolves once an endpoint is ready, within
   * `timeoutMs`; rejects with a DriverError (`wake_failed` carries when to retry).
   */
  wake(deploymentId: string, timeoutMs: number): Promise<void>;
  /** Counts a request in flight, so idling and draining know; call the result when done. */
  track(deploymentId: string): () => void;
  /**
   * Requests the gateway served, for the apps' logs (`gov logs`). Optional:
   * where the driver keeps no logs, the gateway keeps none either.
   */
  recordRequests?(entries: RequestLogEntry[]): Promise<void>;
  /** Tells the apps' side where this gateway listens (service bindings go through it). Optional. */
  announceGateway?(address: string): Promise<void>;
  close(): Promise<void>;
}

export type DriverErrorCode = 'unknown_version' | 'wake_failed' | 'unavailable';

export class DriverError extends Error {
  constructor(
    readonly code: DriverErrorCode,
    message: string,
    /** For `wake_failed`: when a new attempt may succeed. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export function isDriverError(error: unknown): error is DriverError {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'unknown_version' || code === 'wake_failed' || code === 'unavailable';
}

/** One scheduled event for one version: a cron trigger's time, or a developer's manual run. */
export interface ScheduledRequest {
  deploymentId: string;
  cron: string;
  /** Milliseconds since the epoch, as `controller.scheduledTime`. */
  scheduledTime: number;
}
