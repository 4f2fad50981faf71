import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { type LogLine, type SupervisorEvent, WorkerSupervisor } from '@gov/runtime';
import {
  type ClusterDriver,
  DriverError,
  type Lease,
  type ObservedVersion,
  type VersionSpec,
} from '../driver.ts';
import { recordInstance } from './orphans.ts';

export interface LocalDriverOptions {
  /** Where each version gets a private working directory. */
  workDir: string;
  /** No request for this long: stop the process (scale to zero). */
  idleTimeoutMs: number;
  startTimeoutMs: number;
  /** How long remove() waits for in-flight requests before stopping anyway. */
  drainTimeoutMs?: number;
  onLog?: (deploymentId: string, line: LogLine) => void;
  onEvent?: (deploymentId: string, event: SupervisorEvent) => void;
}

interface Instance {
  spec: VersionSpec;
  supervisor: WorkerSupervisor;
  /** Scaled to zero: not running, but known good. */
  idle: boolean;
  inFlight: number;
  lastActivityMs: number;
  /** Resolves when inFlight drops to zero. */
  drained: Array<() => void>;
  /** Set while an idle process is being stopped: a wake-up waits for it first. */
  stopping: Promise<void> | undefined;
}

/**
 * Runs every app version as its own workerd process on this machine: the
 * process is the isolation boundary between ministries. Scales idle
 * versions to zero and wakes them on the next request.
 */
export class LocalDriver implements ClusterDriver {
  readonly #options: Required<Omit<LocalDriverOptions, 'onLog' | 'onEvent'>> &
    Pick<LocalDriverOptions, 'onLog' | 'onEvent'>;
  readonly #instances = new Map<string, Instance>();
  readonly #idleTimer: NodeJS.Timeout;

  constructor(options: LocalDriverOptions) {
    this.#options = { drainTimeoutMs: 30_000, ...options };
    const sweepMs = Math.max(50, Math.min(5_000, Math.floor(options.idleTimeoutMs / 4)));
    this.#idleTimer = setInterval(() => void this.#scaleIdleToZero(), sweepMs);
    this.#idleTimer.unref();
  }

  async ensure(spec: VersionSpec): Promise<void> {
    const existing = this.#instances.get(spec.deploymentId);
    if (existing) {
      if (existing.idle) return;
      await existing.supervisor.whenReady();
      return;
    }
    const workDir = path.join(this.#options.workDir, spec.deploymentId);
    await mkdir(workDir, { recursive: true });
    const supervisor = new WorkerSupervisor({
      spec: { ...spec, id: spec.deploymentId },
      workDir,
      startTimeoutMs: this.#options.startTimeoutMs,
      onLog: (line) => this.#options.onLog?.(spec.deploymentId, line),
      onEvent: (event) => {
        if (event.type === 'ready' && event.pid !== undefined) {
          void recordInstance(workDir, { pid: event.pid, port: event.port });
        }
        this.#options.onEvent?.(spec.deploymentId, event);
      },
    });
    const instance: Instance = {
      spec,
      supervisor,
      idle: false,
      inFlight: 0,
      lastActivityMs: Date.now(),
      drained: [],
      stopping: undefined,
    };
    this.#instances.set(spec.deploymentId, instance);
    try {
      await supervisor.start();
    } catch (error) {
      this.#instances.delete(spec.deploymentId);
      await rm(workDir, { recursive: true, force: true });
      throw new DriverError('start_failed', (error as Error).message);
    }
  }

  async remove(deploymentId: string): Promise<void> {
    const instance = this.#instances.get(deploymentId);
    if (!instance) return;
    this.#instances.delete(deploymentId);
    if (instance.inFlight > 0) {
      await Promise.race([
        new Promise<void>((resolve) => instance.drained.push(resolve)),
        new Promise((resolve) => setTimeout(resolve, this.#options.drainTimeoutMs)),
      ]);
    }
    await instance.supervisor.stop();
    await rm(path.join(this.#options.workDir, deploymentId), { recursive: true, force: true });
  }

  async list(): Promise<ObservedVersion[]> {
    return [...this.#instances.values()].map((i) => ({
      deploymentId: i.spec.deploymentId,
      appId: i.spec.appId,
      state: i.idle ? 'idle' : i.supervisor.state === 'stopped' ? 'starting' : i.supervisor.state,
    }));
  }

  async acquire(deploymentId: string): Promise<Lease> {
    const instance = this.#instances.get(deploymentId);
    if (!instance)
      throw new DriverError('unknown_version', `version ${deploymentId} is not running here`);
    instance.inFlight += 1;
    instance.lastActivityMs = Date.now();
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      instance.inFlight -= 1;
      instance.lastActivityMs = Date.now();
      if (instance.inFlight === 0) for (const resolve of instance.drained.splice(0)) resolve();
    };
    try {
      if (instance.idle) {
        // Wake from zero: this request waits for the start instead of failing.
        await instance.stopping;
        if (instance.idle) {
          instance.idle = false;
          await instance.supervisor.start();
        }
      }
      const port = await instance.supervisor.whenReady();
      return { host: '127.0.0.1', port, release };
    } catch (error) {
      release();
      throw new DriverError('stopped', (error as Error).message);
    }
  }

  /** Pid of a version's current process, for operators and fault tests. */
  pidOf(deploymentId: string): number | undefined {
    return this.#instances.get(deploymentId)?.supervisor.pid;
  }

  async close(): Promise<void> {
    clearInterval(this.#idleTimer);
    const all = [...this.#instances.values()];
    this.#instances.clear();
    await Promise.all(all.map((i) => i.supervisor.stop()));
  }

  async #scaleIdleToZero(): Promise<void> {
    const now = Date.now();
    for (const instance of this.#instances.values()) {
      if (instance.idle || instance.inFlight > 0) continue;
      if (instance.supervisor.state !== 'ready') continue;
      if (now - instance.lastActivityMs < this.#options.idleTimeoutMs) continue;
      instance.idle = true;
      instance.stopping = instance.supervisor.stop().finally(() => {
        instance.stopping = undefined;
      });
      await instance.stopping;
    }
  }
}
