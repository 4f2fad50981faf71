import type { FailureReason } from '@gov/contract';
import type { CgroupManager, InstanceCgroup } from '../limits/cgroups.ts';
import { runScheduled, type ScheduledOutcome } from '../scheduled/run-scheduled.ts';
import { removeSecretFiles, type WorkerSpec, writeWorkerdConfig } from '../workerd/config.ts';
import { describeFailure } from './failure.ts';
import { watchLiveness } from './liveness.ts';
import {
  ownMemoryMib,
  RUNTIME_OVERHEAD_MIB,
  SOFT_LIMIT_RATIO,
  watchMemory,
} from './memory-watchdog.ts';
import { isStartFailure, type LogLine, WorkerProcess } from './worker-process.ts';

export type InstanceState = 'stopped' | 'starting' | 'ready' | 'restarting';

export type SupervisorEvent =
  | { type: 'spawned'; pid: number }
  | { type: 'ready'; port: number; pid: number | undefined }
  | {
      type: 'start_failed';
      reason: FailureReason;
      summary: string;
      detail: string;
      /** False when this failure is the verdict on a version that never ran. */
      willRetry: boolean;
      restartInMs: number | undefined;
    }
  | {
      type: 'crashed';
      exitCode: number | null;
      restartInMs: number;
      summary: string;
      detail: string;
      /**
       * Set when the platform knows why it ended (it was stopped at its
       * memory limit, or killed for not answering): that was reported by
       * its own event, and its last output says nothing more.
       */
      stoppedFor?: 'memory_limit' | 'unresponsive';
    }
  | {
      type: 'memory_exceeded';
      residentMib: number | undefined;
      limitMib: number;
      /** Who stopped it: the kernel (cgroup) or the platform's watchdog. */
      enforcedBy: 'cgroup' | 'watchdog';
    }
  /** Near its memory limit: replace it gracefully before anything is cut. */
  | { type: 'memory_high'; ownMib: number; limitMib: number }
  /** Its thread stopped answering (an endless loop): it is killed and restarted. */
  | { type: 'unresponsive'; seconds: number }
  | { type: 'stopped' };

export interface SupervisorOptions {
  spec: WorkerSpec;
  /** Private directory for this version's generated config and modules. */
  workDir: string;
  startTimeoutMs?: number;
  /** The app's declared health path; null: ready once workerd listens. */
  healthPath?: string | null;
  /**
   * A version that already served citizens is retried when a start fails
   * (with backoff, forever, until stop): its failure is an incident, not a
   * verdict. A new version's first failed start is the verdict on it.
   */
  retryFirstStart?: boolean;
  /** Poll the process's memory and kill it past the limit (off when a cgroup enforces it). */
  memoryWatchdog?: boolean;
  /** Kill workerd when the process running this supervisor dies. */
  dieWithParent?: boolean;
  /**
   * Kernel-enforced memory, CPU and process limits (only `create` is used);
   * without it the watchdog enforces memory.
   */
  cgroups?: Pick<CgroupManager, 'create'> | undefined;
  /** CPU for each process, in thousandths of a core (with cgroups). */
  cpuMillicores?: number;
  /** Processes and threads for each process (with cgroups). */
  pidsMax?: number;
  /** Probe the liveness worker; a stuck instance is killed and restarted. null: off. */
  liveness?: { intervalMs: number; failures: number } | null;
  /** First restart delay after a crash; doubles up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  onLog?: (line: LogLine) => void;
  onEvent?: (event: SupervisorEvent) => void;
}

/** A process that stayed up this long is healthy again: its next crash restarts fast. */
const STABLE_AFTER_MS = 30_000;

type Resolved = Required<Omit<SupervisorOptions, 'onLog' | 'onEvent' | 'healthPath' | 'cgroups'>> &
  Pick<SupervisorOptions, 'onLog' | 'onEvent' | 'healthPath' | 'cgroups'>;

const MIB = 1024 * 1024;

/**
 * Keeps one workerd process of an app version running. A new version's
 * first start is a verdict: if it fails, `start()` rejects and nothing is
 * retried, so a bad deploy fails fast. Once a version has been ready (or
 * with `retryFirstStart`), any exit or failed start is retried with
 * exponential backoff until `stop()`.
 */
export class WorkerSupervisor {
  readonly #options: Resolved;
  #process: WorkerProcess | undefined;
  #state: InstanceState = 'stopped';
  #wantRunning = false;
  #attempt = 0;
  #configPath: string | undefined;
  #restartTimer: NodeJS.Timeout | undefined;
  #waiters: Array<{ resolve: (port: number) => void; reject: (error: Error) => void }> = [];

  constructor(options: SupervisorOptions) {
    this.#options = {
      startTimeoutMs: 15_000,
      initialBackoffMs: 250,
      maxBackoffMs: 10_000,
      retryFirstStart: false,
      memoryWatchdog: true,
      dieWithParent: false,
      cpuMillicores: 1000,
      pidsMax: 256,
      liveness: { intervalMs: 2_000, failures: 5 },
      ...options,
    };
  }

  get state(): InstanceState {
    return this.#state;
  }

  get port(): number | undefined {
    return this.#state === 'ready' ? this.#process?.port : undefined;
  }

  get pid(): number | undefined {
    return this.#process?.pid;
  }

  /**
   * Delivers a scheduled event (a cron trigger's) to this instance's handler
   * and waits for it to finish; an instance not running answers `unavailable`.
   */
  async runScheduled(event: { cron: string; scheduledTime: number }): Promise<ScheduledOutcome> {
    const port = this.#state === 'ready' ? this.#process?.scheduledPort : undefined;
    if (port === undefined) {
      return {
        outcome: 'unavailable',
        message: this.#options.spec.scheduled
          ? `the instance is ${this.#state}`
          : 'this version has no cron triggers',
        durationMs: 0,
      };
    }
    return runScheduled({ port }, event);
  }

  async start(): Promise<number> {
    if (this.#state === 'ready' && this.port !== undefined) return this.port;
    if (this.#state === 'starting' || this.#state === 'restarting') return this.whenReady();
    this.#wantRunning = true;
    this.#state = 'starting';
    try {
      this.#configPath = await writeWorkerdConfig(this.#options.spec, this.#options.workDir);
      const port = await this.#launch();
      this.#attempt = 0;
      return port;
    } catch (error) {
      if (!this.#wantRunning) throw error;
      const failure = isStartFailure(error)
        ? error
        : { reason: 'start_error' as const, ...describeFailure((error as Error).message, []) };
      if (!this.#options.retryFirstStart) {
        this.#wantRunning = false;
        this.#state = 'stopped';
        this.#emitStartFailed(failure, undefined);
        this.#settleWaiters(error as Error);
        throw error;
      }
      const delay = this.#nextDelay();
      this.#emitStartFailed(failure, delay);
      this.#state = 'restarting';
      const ready = this.whenReady();
      this.#scheduleRestart(delay);
      return ready;
    }
  }

  /** Resolves with the port once the version is ready, waiting through a restart. */
  whenReady(): Promise<number> {
    const port = this.port;
    if (port !== undefined) return Promise.resolve(port);
    if (this.#state === 'stopped') {
      return Promise.reject(Object.assign(new Error('version is stopped'), { code: 'stopped' }));
    }
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  async stop(): Promise<void> {
    this.#wantRunning = false;
    clearTimeout(this.#restartTimer);
    const proc = this.#process;
    this.#process = undefined;
    await proc?.stop();
    // A stopped instance's secrets leave memory-backed storage with it.
    await removeSecretFiles(this.#options.spec).catch(() => {});
    if (this.#state !== 'stopped') {
      this.#state = 'stopped';
      this.#options.onEvent?.({ type: 'stopped' });
    }
    this.#settleWaiters(Object.assign(new Error('version was stopped'), { code: 'stopped' }));
  }

  async #launch(): Promise<number> {
    const configPath = this.#configPath;
    if (!configPath) throw new Error('launch before the config was written');
    const limitMib = this.#options.spec.memoryMib + RUNTIME_OVERHEAD_MIB;
    let cgroup = await this.#options.cgroups
      ?.create(this.#options.spec.id, {
        memoryBytes: limitMib * MIB,
        cpuMillicores: this.#options.cpuMillicores,
        pids: this.#options.pidsMax,
      })
      .catch((error: Error) => {
        this.#noKernelLimits(error);
        return undefined;
      });
    let attached: Promise<boolean> = Promise.resolve(false);
    const proc = new WorkerProcess({
      configPath,
      startTimeoutMs: this.#options.startTimeoutMs,
      healthPath: this.#options.healthPath ?? null,
      dieWithParent: this.#options.dieWithParent,
      hidePaths: [this.#options.workDir],
      expectLiveness:
        this.#options.liveness !== null && this.#options.spec.livenessAddress !== null,
      expectScheduled: this.#options.spec.scheduled === true,
      onLog: this.#options.onLog,
      onSpawn: (pid) => {
        // Into its cgroups at once: the few milliseconds before are the only unlimited ones.
        if (cgroup)
          attached = cgroup.attach(pid).then(
            () => true,
            (error: Error) => {
              this.#noKernelLimits(error);
              return false;
            },
          );
        this.#options.onEvent?.({ type: 'spawned', pid });
      },
    });
    this.#process = proc;
    let port: number;
    try {
      port = await proc.start();
    } catch (error) {
      await cgroup?.destroy();
      throw error;
    }
    if (!this.#wantRunning || this.#process !== proc) {
      // stop() was called while we were starting.
      await proc.stop();
      await cgroup?.destroy();
      throw Object.assign(new Error('version was stopped while starting'), { code: 'stopped' });
    }
    if (cgroup && !(await attached)) {
      // Not in its group, the kernel bounds nothing: the watchdog must, as without cgroups.
      await cgroup.destroy();
      cgroup = undefined;
    }
    this.#state = 'ready';
    const startedAt = Date.now();
    this.#options.onEvent?.({ type: 'ready', port, pid: proc.pid });
    const watchers = this.#watch(proc, cgroup, limitMib);
    this.#settleWaiters(undefined, port);
    void proc.exited.then(async (exitCode) => {
      for (const stop of watchers.stops) stop();
      if (cgroup) {
        if ((await cgroup.oomKills()) > 0) {
          watchers.stoppedFor = 'memory_limit';
          this.#options.onEvent?.({
            type: 'memory_exceeded',
            residentMib: undefined,
            limitMib,
            enforcedBy: 'cgroup',
          });
        }
        await cgroup.destroy();
      }
      this.#onExit(proc, exitCode, startedAt, watchers.stoppedFor);
    });
    return port;
  }

  /** The instance still runs, bounded by the watchdog alone: say so where its logs go. */
  #noKernelLimits(error: Error): void {
    this.#options.onLog?.({
      stream: 'stderr',
      line: `gov: kernel limits not applied to this instance (${error.message}); the memory watchdog alone bounds it`,
      at: new Date(),
    });
  }

  /**
   * Memory and liveness watches of a ready process: how to stop them, and
   * why they stopped the process, if they did.
   */
  #watch(proc: WorkerProcess, cgroup: InstanceCgroup | undefined, limitMib: number) {
    const watchers: {
      stops: Array<() => void>;
      stoppedFor: 'memory_limit' | 'unresponsive' | undefined;
    } = { stops: [], stoppedFor: undefined };
    const pid = proc.pid;
    if (this.#options.memoryWatchdog && pid !== undefined) {
      watchers.stops.push(
        watchMemory({
          measure: cgroup
            ? async () => {
                const bytes = await cgroup.ownMemoryBytes();
                return bytes === undefined ? undefined : bytes / MIB;
              }
            : () => ownMemoryMib(pid),
          softMib: limitMib * SOFT_LIMIT_RATIO,
          hardMib: limitMib,
          onSoft: (ownMib) => this.#options.onEvent?.({ type: 'memory_high', ownMib, limitMib }),
          // With a cgroup the kernel enforces the limit; the watchdog is the fallback.
          onHard: cgroup
            ? undefined
            : (residentMib) => {
                watchers.stoppedFor = 'memory_limit';
                this.#options.onEvent?.({
                  type: 'memory_exceeded',
                  residentMib,
                  limitMib,
                  enforcedBy: 'watchdog',
                });
                proc.kill();
              },
        }),
      );
    }
    const liveness = this.#options.liveness;
    if (liveness && proc.livenessPort !== undefined) {
      watchers.stops.push(
        watchLiveness({
          port: proc.livenessPort,
          ...liveness,
          onWedged: () => {
            watchers.stoppedFor = 'unresponsive';
            this.#options.onEvent?.({
              type: 'unresponsive',
              seconds: Math.round((liveness.intervalMs * liveness.failures) / 1000),
            });
            proc.kill();
          },
        }),
      );
    }
    return watchers;
  }

  #onExit(
    proc: WorkerProcess,
    exitCode: number | null,
    startedAt: number,
    stoppedFor: 'memory_limit' | 'unresponsive' | undefined,
  ) {
    if (!this.#wantRunning || this.#process !== proc) return;
    if (Date.now() - startedAt > STABLE_AFTER_MS) this.#attempt = 0;
    const delay = this.#nextDelay();
    this.#state = 'restarting';
    const { summary, detail } = stoppedFor
      ? { summary: `the app was stopped (${stoppedFor})`, detail: '' }
      : proc.failure(
          'crash_loop',
          `the app exited (${exitCode === null ? 'killed' : `code ${exitCode}`})`,
        );
    this.#options.onEvent?.({
      type: 'crashed',
      exitCode,
      restartInMs: delay,
      summary,
      detail,
      ...(stoppedFor ? { stoppedFor } : {}),
    });
    this.#scheduleRestart(delay);
  }

  #scheduleRestart(delay: number) {
    this.#restartTimer = setTimeout(() => {
      if (!this.#wantRunning) return;
      this.#launch().catch((error: Error) => {
        if (!this.#wantRunning) return;
        const next = this.#nextDelay();
        const failure = isStartFailure(error)
          ? error
          : { reason: 'start_error' as const, ...describeFailure(error.message, []) };
        this.#emitStartFailed(failure, next);
        this.#scheduleRestart(next);
      });
    }, delay);
  }

  #emitStartFailed(
    failure: { reason: FailureReason; summary: string; detail: string },
    restartInMs: number | undefined,
  ) {
    this.#options.onEvent?.({
      type: 'start_failed',
      reason: failure.reason,
      summary: failure.summary,
      detail: failure.detail,
      willRetry: restartInMs !== undefined,
      restartInMs,
    });
  }

  #nextDelay(): number {
    const { initialBackoffMs, maxBackoffMs } = this.#options;
    const delay = Math.min(maxBackoffMs, initialBackoffMs * 2 ** this.#attempt);
    this.#attempt += 1;
    return delay;
  }

  #settleWaiters(error: Error | undefined, port?: number) {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) {
      if (port !== undefined) w.resolve(port);
      else w.reject(error ?? new Error('version is not running'));
    }
  }
}
