import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DeploymentCondition, DeploymentEventType, FailureReason } from '@gov/contract';
import {
  type CgroupManager,
  EGRESS_DENIED_EVENT,
  fetchSecrets,
  type LogLine,
  type ScheduledOutcome,
  type ServiceAccess,
  type StorageAccess,
  type SupervisorEvent,
  type VerifiedArtifact,
  WorkerSupervisor,
} from '@gov/runtime';
import type { Endpoint, ObservedVersion, VersionSpec } from '../../driver.ts';
import { LogBudget } from './log-budget.ts';
import type { ObjectLease } from './object-lease.ts';

export interface RunningVersionOptions {
  spec: VersionSpec;
  /** This version's private directory under the agent's run directory. */
  dir: string;
  startTimeoutMs: number;
  /** Starts go through the agent's semaphore, so a boot cannot start everything at once. */
  throttle: <T>(start: () => Promise<T>) => Promise<T>;
  loadArtifact: (spec: VersionSpec) => Promise<VerifiedArtifact>;
  /** Whether this version was idle when the agent last ran: it then starts only on demand. */
  startIdle: boolean;
  onChange: () => void;
  onEvent: (type: DeploymentEventType, message: string) => void;
  onLog?: (line: LogLine) => void;
  /** How the instances reach the storage service that serves their KV bindings. */
  storage: StorageAccess;
  /** The version's service bindings, as the agent's relay grants them. */
  services: ServiceAccess[];
  /**
   * For an app with Durable Objects: where their state lives, and the lease
   * one process at a time must hold over it (see object-lease.ts).
   */
  objects?: {
    dir: string;
    lease: ObjectLease;
    /** Resolves once gateways have nothing in flight for this version (bounded). */
    drained: () => Promise<void>;
  };
  /** A memory-backed directory (tmpfs) for the instances' secret files, where the machine has one. */
  secretsRoot?: string | undefined;
  /** Kernel-enforced limits for each process, where this machine allows them. */
  cgroups?: CgroupManager | undefined;
}

type Phase = 'starting' | 'running' | 'idle' | 'failed' | 'terminating';

interface Failure {
  reason: FailureReason;
  summary: string;
  detail: string;
}

/** Restart backoff for local processes: fast at first, at most a minute between tries. */
/** How long a scheduled event waits for an idle version to start. */
const WAKE_FOR_SCHEDULED_MS = 30_000;
const MAX_BACKOFF_MS = 60_000;
/** An instance replaced for its memory keeps serving what it started for this long. */
const RECYCLE_DRAIN_MS = 10_000;
/** How often dropped output is reported, as one line instead of many. */
const DROPPED_REPORT_MS = 10_000;

/**
 * One version on this machine: its instances (one workerd process each),
 * scale to zero and wake, and what is observed of it. A new version's first
 * failed start is the verdict on it (phase `failed`); a version that served
 * before is retried with backoff for as long as it is wanted.
 */
export class RunningVersion {
  spec: VersionSpec;
  readonly #options: RunningVersionOptions;
  #phase: Phase;
  #instances: WorkerSupervisor[] = [];
  #everReady: boolean;
  #failure: Failure | undefined;
  #conditions = new Map<DeploymentCondition['type'], DeploymentCondition>();
  #startSeq = 0;
  /** Wakes waiting for the first ready instance. */
  #readyWaiters = new Set<{ resolve: () => void; reject: (message: string) => void }>();
  /** Which start (spec update) each instance belongs to. */
  #seqOf = new WeakMap<WorkerSupervisor, number>();
  /** Releases an instance's start slot once its first attempt is over. */
  #firstAttempt = new Map<WorkerSupervisor, () => void>();
  /** The verified code, kept to start replacement instances. */
  #artifact: VerifiedArtifact | undefined;
  /**
   * The spec's secret values, fetched once per change of them and kept in
   * memory only (the agent writes them nowhere but the instance's own 0600
   * config): a wake from zero or a restart then needs no control plane.
   */
  #secrets: { digest: string; values: Record<string, string> } = { digest: '', values: {} };
  /** Instances being replaced because they neared their memory limit. */
  #recycling = new Set<WorkerSupervisor>();
  #recycles = 0;
  readonly #logBudget = new LogBudget();
  #droppedTimer: NodeJS.Timeout | undefined;
  lastActivityMs = Date.now();

  constructor(options: RunningVersionOptions) {
    this.#options = options;
    this.spec = options.spec;
    this.#everReady = options.spec.servedBefore;
    this.#phase = options.startIdle && options.spec.servedBefore ? 'idle' : 'starting';
  }

  get phase(): Phase {
    return this.#phase;
  }

  get id(): string {
    return this.spec.deploymentId;
  }

  /** Begins running (unless it starts idle); never throws, outcomes are observed. */
  begin(): void {
    if (this.#phase === 'starting') void this.#startInstances();
  }

  /** Ready instances, in a stable order. Terminating versions keep theirs until withdrawn. */
  endpoints(): Endpoint[] {
    return this.#instances
      .map((s) => s.port)
      .filter((port): port is number => port !== undefined)
      .map((port) => ({ host: '127.0.0.1', port }));
  }

  pids(): number[] {
    return this.#instances.map((s) => s.pid).filter((p): p is number => p !== undefined);
  }

  observe(): ObservedVersion {
    // A version on its way out is not observed as what its spec asks: its
    // instances only drain, and a controller that wants it again must
    // re-apply it (which brings it back) rather than count on them.
    const terminating = this.#phase === 'terminating';
    const ready = terminating ? 0 : this.endpoints().length;
    const starting = this.#instances.some(
      (s) => s.state === 'starting' || s.state === 'restarting',
    );
    const failed = this.#phase === 'failed';
    const available = ready > 0 || (this.#phase === 'idle' && !this.#failure);
    const why = this.#failure;
    this.#setCondition('Available', available, available ? undefined : why);
    this.#setCondition('Progressing', !failed && (starting || this.#phase === 'starting'), why);
    this.#setCondition('Failed', failed, failed ? why : undefined);
    return {
      deploymentId: this.spec.deploymentId,
      appId: this.spec.appId,
      ministryId: this.spec.ministryId,
      generation: terminating ? '' : this.spec.generation,
      instances: { desired: this.#phase === 'idle' ? 0 : this.spec.instances, ready },
      idle: this.#phase === 'idle',
      conditions: [...this.#conditions.values()],
      detail: why && !available ? why.detail : null,
    };
  }

  /** A new spec for the same version (egress policy, secrets): new instances replace the old. */
  async update(spec: VersionSpec): Promise<void> {
    if (spec.generation === this.spec.generation) return;
    this.spec = spec;
    if (this.#phase === 'idle' || this.#phase === 'failed') {
      // Nothing runs; the new spec applies at the next start.
      if (this.#phase === 'failed') this.#phase = 'starting';
      this.#failure = undefined;
      this.#options.onChange();
      if (this.#phase === 'starting') void this.#startInstances();
      return;
    }
    await this.#startInstances();
  }

  /**
   * Wakes a version scaled to zero and waits for an instance, at most
   * `timeoutMs`. Rejects with the reason when it cannot start in time.
   */
  /**
   * A scheduled event for this version: woken first if it is idle (a cron
   * fires whether citizens come or not), then given to one ready instance.
   * Counts as activity, so the version is not scaled to zero mid-run.
   */
  async runScheduled(event: { cron: string; scheduledTime: number }): Promise<ScheduledOutcome> {
    try {
      await this.wake(WAKE_FOR_SCHEDULED_MS);
    } catch (error) {
      return { outcome: 'unavailable', message: (error as Error).message, durationMs: 0 };
    }
    const instance = this.#instances.find((s) => s.port !== undefined);
    if (!instance)
      return { outcome: 'unavailable', message: 'no instance is ready', durationMs: 0 };
    const keepAwake = setInterval(() => {
      this.lastActivityMs = Date.now();
    }, 1_000);
    try {
      return await instance.runScheduled(event);
    } finally {
      clearInterval(keepAwake);
      this.lastActivityMs = Date.now();
    }
  }

  async wake(timeoutMs: number): Promise<void> {
    this.lastActivityMs = Date.now();
    if (this.endpoints().length > 0) return;
    if (this.#phase === 'failed') throw this.#wakeError('the version failed to start');
    if (this.#phase === 'terminating') throw this.#wakeError('the version is being stopped');
    if (this.#phase === 'idle') {
      this.#phase = 'starting';
      this.#options.onEvent('woke', 'started on demand after being scaled to zero');
      await rm(this.#idleMarker(), { force: true });
      void this.#startInstances();
    }
    await new Promise<void>((resolve, reject) => {
      const waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (message: string) => {
          clearTimeout(timer);
          reject(this.#wakeError(message));
        },
      };
      const timer = setTimeout(() => {
        this.#readyWaiters.delete(waiter);
        const why = this.#failure ? `${this.#failure.summary}; retrying` : 'still starting';
        reject(this.#wakeError(why));
      }, timeoutMs);
      this.#readyWaiters.add(waiter);
    });
  }

  /** Stops every instance to save memory; the next request wakes it. */
  async scaleToZero(): Promise<void> {
    if (this.#phase !== 'running') return;
    this.#phase = 'idle';
    const instances = this.#instances.splice(0);
    // Withdrawn at once: gateways wake it instead of sending to a stopping process.
    this.#options.onChange();
    await Promise.all(instances.map((s) => s.stop()));
    this.#options.objects?.lease.release(this);
    await writeFile(this.#idleMarker(), '').catch(() => {});
    this.#options.onEvent('scaled_to_zero', 'no request for a while: stopped until the next one');
    this.#options.onChange();
  }

  /** The app this version belongs to, for the objects' lease. */
  get appId(): string {
    return this.spec.appId;
  }

  /** No longer wanted: it gives up waiting for the objects' lease. */
  get gone(): boolean {
    return this.#phase === 'terminating' || this.#phase === 'failed';
  }

  #handingOver: Promise<void> | undefined;

  /**
   * Gives the app's Durable Objects to a newer version: stops taking
   * requests at once, lets those in flight finish, stops, and waits idle
   * (a request for it later waits for the lease again).
   */
  handOver(): Promise<void> {
    this.#handingOver ??= (async () => {
      this.#startSeq += 1;
      if (this.#phase === 'running' || this.#phase === 'starting') this.#phase = 'idle';
      const instances = this.#instances.splice(0);
      this.#options.onChange();
      if (instances.length > 0) await this.#options.objects?.drained();
      await Promise.all(instances.map((s) => s.stop()));
      this.#options.objects?.lease.release(this);
      if (instances.length > 0) {
        this.#options.onEvent(
          'scaled_to_zero',
          'stopped so that a newer version holds the app’s Durable Objects',
        );
      }
      this.#options.onChange();
    })().finally(() => {
      this.#handingOver = undefined;
    });
    return this.#handingOver;
  }

  /** Withdraws the version: endpoints stay for `graceMs`, then it stops. */
  markTerminating(): void {
    this.#phase = 'terminating';
  }

  /** Wanted again before it stopped (a rollback right after a deploy): it keeps its instances. */
  revive(): void {
    if (this.#phase !== 'terminating') return;
    this.#phase = this.endpoints().length > 0 ? 'running' : 'starting';
    this.#options.onChange();
    if (this.#phase === 'starting') void this.#startInstances();
  }

  async stop(): Promise<void> {
    clearInterval(this.#droppedTimer);
    this.#startSeq += 1;
    this.#settleWaiters('the version was stopped');
    const instances = this.#instances.splice(0);
    await Promise.all(instances.map((s) => s.stop()));
    this.#options.objects?.lease.release(this);
  }

  /** A start that a later one, a stop, an idle or a removal has made moot. */
  #startAbandoned(seq: number): boolean {
    return seq !== this.#startSeq || this.#phase === 'terminating' || this.#phase === 'idle';
  }

  async #startInstances(): Promise<void> {
    const seq = ++this.#startSeq;
    let artifact: VerifiedArtifact;
    let secrets: Record<string, string>;
    try {
      artifact = await this.#options.loadArtifact(this.spec);
      secrets = await this.#loadSecrets();
    } catch (error) {
      const code = (error as { code?: string }).code;
      const summary = (error as Error).message;
      if (code === 'artifact_invalid') {
        // A tampered or missing artifact never runs, whatever it served before.
        this.#fail({ reason: 'artifact_invalid', summary, detail: summary }, 'start_failed');
        return;
      }
      // The control plane is unreachable (the local "image pull" failed): try
      // again; instances of an earlier spec keep serving meanwhile.
      this.#failure = { reason: 'image_pull', summary, detail: summary };
      this.#options.onChange();
      setTimeout(() => {
        if (seq === this.#startSeq && this.#phase !== 'terminating') void this.#startInstances();
      }, 2_000).unref();
      return;
    }
    if (seq !== this.#startSeq || this.#phase === 'terminating' || this.#phase === 'idle') return;
    const objects = this.#options.objects;
    if (objects) {
      const granted = await objects.lease.acquire(this);
      if (this.#startAbandoned(seq)) {
        if (granted && this.#instances.length === 0) objects.lease.release(this);
        return;
      }
      if (!granted) return;
      // One process holds the objects' folder: the instances of an earlier spec go first.
      const earlier = this.#instances.splice(0);
      if (earlier.length > 0) this.#options.onChange();
      await Promise.all(earlier.map((s) => s.stop()));
    }
    this.#artifact = artifact;
    this.#secrets = { digest: this.spec.secrets?.digest ?? '', values: secrets };
    const fresh = Array.from({ length: this.spec.instances }, (_, i) =>
      this.#supervisor(artifact, seq, i),
    );
    this.#instances = [...this.#instances, ...fresh];
    this.#options.onChange();
    // The throttle covers each instance's first attempt only: a version that
    // keeps failing must not hold a start slot while it retries.
    await Promise.all(
      fresh.map((s) =>
        this.#options.throttle(
          () =>
            new Promise<void>((resolve) => {
              this.#firstAttempt.set(s, resolve);
              s.start().catch(() => {});
            }),
        ),
      ),
    );
  }

  async #loadSecrets(): Promise<Record<string, string>> {
    const ref = this.spec.secrets;
    if (!ref) return {};
    if (ref.digest === this.#secrets.digest) return this.#secrets.values;
    return fetchSecrets(ref);
  }

  #supervisor(artifact: VerifiedArtifact, seq: number, index: number | string): WorkerSupervisor {
    const workDir = path.join(this.#options.dir, `i${seq}-${index}`);
    const supervisor: WorkerSupervisor = new WorkerSupervisor({
      spec: {
        id: this.spec.deploymentId,
        mainModule: artifact.mainModule,
        modules: artifact.modules,
        ...(artifact.assets ? { assets: artifact.assets } : {}),
        scheduled: this.spec.crons.length > 0,
        compatibilityDate: this.spec.compatibilityDate,
        compatibilityFlags: this.spec.compatibilityFlags,
        vars: this.spec.vars,
        secrets: this.#secrets.values,
        bindings: this.spec.bindings,
        storage: this.#options.storage,
        services: this.#options.services,
        ...(this.#options.objects && this.spec.durableObjects.length > 0
          ? {
              durableObjects: {
                key: this.spec.appId,
                dir: this.#options.objects.dir,
                classes: this.spec.durableObjects,
              },
            }
          : {}),
        ...(this.#options.secretsRoot
          ? {
              secretsDir: path.join(
                this.#options.secretsRoot,
                `${this.spec.deploymentId}-${seq}-${index}`,
              ),
            }
          : {}),
        egress: this.spec.egress,
        memoryMib: this.spec.memoryMib,
      },
      cgroups: this.#options.cgroups,
      cpuMillicores: this.spec.cpuMillicores,
      workDir,
      startTimeoutMs: this.#options.startTimeoutMs,
      healthPath: this.spec.healthPath,
      retryFirstStart: this.#everReady,
      dieWithParent: true,
      maxBackoffMs: MAX_BACKOFF_MS,
      onLog: (line) => this.#onLog(line),
      onEvent: (event) => this.#onSupervisorEvent(supervisor, event, workDir),
    });
    this.#seqOf.set(supervisor, seq);
    return supervisor;
  }

  #onSupervisorEvent(supervisor: WorkerSupervisor, event: SupervisorEvent, workDir: string): void {
    if (event.type === 'ready' || event.type === 'start_failed' || event.type === 'stopped') {
      this.#firstAttempt.get(supervisor)?.();
      this.#firstAttempt.delete(supervisor);
    }
    switch (event.type) {
      case 'spawned':
        // Recorded before it is ready: a crash of the agent mid-start leaves a trace.
        void mkdir(workDir, { recursive: true })
          .then(() => writeFile(path.join(workDir, 'pid'), `${event.pid}\n`))
          .catch(() => {});
        return;
      case 'ready':
        this.#options.onEvent(
          this.#everReady ? 'restarted' : 'started',
          `an instance answers (pid ${event.pid})`,
        );
        this.#everReady = true;
        this.#failure = undefined;
        if (this.#phase === 'starting') this.#phase = 'running';
        this.#settleWaiters(undefined);
        this.#retireOlderThan(this.#seqOf.get(supervisor) ?? 0);
        break;
      case 'start_failed':
        if (!event.willRetry) {
          // The verdict on a new version: none of its instances may linger.
          this.#instances = this.#instances.filter((s) => s !== supervisor);
          this.#fail(event, 'start_failed');
          return;
        }
        this.#failure = event;
        this.#options.onEvent(
          'restart_failed',
          `${event.summary} (next try in ${Math.round((event.restartInMs ?? 0) / 1000)} s)`,
        );
        break;
      case 'crashed':
        // Stopped at its memory limit or for not answering: already reported as such.
        if (event.stoppedFor) break;
        this.#failure = { reason: 'crash_loop', summary: event.summary, detail: event.detail };
        this.#options.onEvent('crashed', `${event.summary}; restarting in ${event.restartInMs} ms`);
        break;
      case 'memory_exceeded':
        this.#failure = {
          reason: 'memory_limit',
          summary:
            event.enforcedBy === 'cgroup'
              ? `the app reached its memory limit of ${event.limitMib} MiB and the kernel stopped it`
              : `the app used ${Math.round(event.residentMib ?? 0)} MiB, over its limit of ${event.limitMib} MiB`,
          detail: '',
        };
        this.#options.onEvent('memory_limit', this.#failure.summary);
        break;
      case 'memory_high':
        // A replacement beside the old process would be a second holder of the app's objects.
        if (!this.#options.objects) void this.#recycle(supervisor, event.ownMib, event.limitMib);
        return;
      case 'unresponsive':
        this.#failure = {
          reason: 'unresponsive',
          summary: `the app stopped answering for ${event.seconds} s (an endless loop?) and was restarted`,
          detail: '',
        };
        this.#options.onEvent('unresponsive', this.#failure.summary);
        break;
      case 'stopped':
        break;
    }
    this.#options.onChange();
  }

  #onLog(line: LogLine): void {
    if (!this.#logBudget.take(line.line.length + 1)) {
      this.#droppedTimer ??= setInterval(() => this.#reportDropped(), DROPPED_REPORT_MS);
      this.#droppedTimer.unref();
      return;
    }
    this.#options.onLog?.(line);
    if (line.stream === 'stderr' && line.line.includes(EGRESS_DENIED_EVENT)) {
      try {
        const parsed = JSON.parse(line.line) as { host?: string; method?: string };
        this.#options.onEvent(
          'egress_denied',
          `outbound ${parsed.method ?? 'request'} to ${parsed.host ?? 'an address'} refused by the egress policy`,
        );
      } catch {
        // A line that merely mentions the marker: not ours.
      }
    }
  }

  #reportDropped(): void {
    const dropped = this.#logBudget.takeDropped();
    if (dropped.lines === 0) {
      clearInterval(this.#droppedTimer);
      this.#droppedTimer = undefined;
      return;
    }
    const message = `${dropped.lines} line(s), ${Math.round(dropped.bytes / 1024)} KiB of output dropped: over the limit of ${this.#logBudget.limits}`;
    this.#options.onLog?.({ stream: 'stderr', line: `[gov] ${message}`, at: new Date() });
    this.#options.onEvent('logs_dropped', message);
  }

  /**
   * An instance near its memory limit is replaced before the limit cuts its
   * requests: a new one starts, takes the traffic, and the old one stops
   * after it had time to finish what it was serving.
   */
  async #recycle(old: WorkerSupervisor, ownMib: number, limitMib: number): Promise<void> {
    const artifact = this.#artifact;
    if (!artifact || this.#recycling.has(old) || this.#phase !== 'running') return;
    this.#recycling.add(old);
    this.#recycles += 1;
    const seq = this.#seqOf.get(old) ?? this.#startSeq;
    const replacement = this.#supervisor(artifact, seq, `r${this.#recycles}`);
    this.#instances.push(replacement);
    this.#options.onChange();
    try {
      await this.#options.throttle(() => replacement.start());
    } catch {
      this.#instances = this.#instances.filter((s) => s !== replacement);
      this.#recycling.delete(old);
      return;
    }
    this.#instances = this.#instances.filter((s) => s !== old);
    this.#options.onChange();
    this.#options.onEvent(
      'recycled',
      `an instance using ${Math.round(ownMib)} MiB of its ${limitMib} MiB was replaced without cutting requests`,
    );
    setTimeout(() => {
      void old.stop().finally(() => this.#recycling.delete(old));
    }, RECYCLE_DRAIN_MS).unref();
  }

  /** Instances of an older spec are stopped once one of a newer spec answers. */
  #retireOlderThan(seq: number): void {
    const older = this.#instances.filter((s) => (this.#seqOf.get(s) ?? 0) < seq);
    if (older.length === 0) return;
    this.#instances = this.#instances.filter((s) => !older.includes(s));
    void Promise.all(older.map((s) => s.stop()));
  }

  #settleWaiters(failure: string | undefined): void {
    const waiters = [...this.#readyWaiters];
    this.#readyWaiters.clear();
    for (const w of waiters) {
      if (failure === undefined) w.resolve();
      else w.reject(failure);
    }
  }

  #fail(failure: Failure, event: DeploymentEventType): void {
    this.#failure = { reason: failure.reason, summary: failure.summary, detail: failure.detail };
    this.#phase = 'failed';
    // A version that never started holds no object: the one it would replace may run again.
    if (this.#instances.every((s) => s.state === 'stopped'))
      this.#options.objects?.lease.release(this);
    this.#settleWaiters(failure.summary);
    this.#options.onEvent(event, failure.summary);
    this.#options.onChange();
  }

  #setCondition(type: DeploymentCondition['type'], status: boolean, why: Failure | undefined) {
    const previous = this.#conditions.get(type);
    const reason = status === (type === 'Available') ? null : (why?.reason ?? null);
    const message = reason ? (why?.summary ?? null) : null;
    this.#conditions.set(type, {
      type,
      status,
      reason,
      message,
      since: previous && previous.status === status ? previous.since : new Date().toISOString(),
    });
  }

  #wakeError(message: string) {
    return Object.assign(new Error(`version ${this.spec.version} cannot answer: ${message}`), {
      code: 'wake_failed' as const,
    });
  }

  #idleMarker(): string {
    return path.join(this.#options.dir, 'idle');
  }
}
