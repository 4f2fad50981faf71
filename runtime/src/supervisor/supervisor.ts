import { type WorkerSpec, writeWorkerdConfig } from '../workerd/config.ts';
import { RUNTIME_OVERHEAD_MIB, watchMemory } from './memory-watchdog.ts';
import { type LogLine, WorkerProcess } from './worker-process.ts';

export type InstanceState = 'stopped' | 'starting' | 'ready' | 'restarting';

export type SupervisorEvent =
  | { type: 'ready'; port: number; pid: number | undefined }
  | { type: 'crashed'; exitCode: number | null; restartInMs: number; tail: string }
  | { type: 'restart_failed'; reason: string; restartInMs: number }
  | { type: 'memory_exceeded'; residentMib: number; limitMib: number }
  | { type: 'stopped' };

export interface SupervisorOptions {
  spec: WorkerSpec;
  /** Private directory for this version's generated config and modules. */
  workDir: string;
  startTimeoutMs?: number;
  /** First restart delay after a crash; doubles up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  onLog?: (line: LogLine) => void;
  onEvent?: (event: SupervisorEvent) => void;
}

/** A process that stayed up this long is healthy again: its next crash restarts fast. */
const STABLE_AFTER_MS = 30_000;

/**
 * Keeps one app version running. The first start is a verdict: if it fails,
 * the version is broken and `start()` rejects (no retry, so a bad deploy
 * fails fast). After it has been ready once, a crash is treated as transient
 * and the process is restarted with exponential backoff until `stop()`.
 */
export class WorkerSupervisor {
  readonly #options: Required<Omit<SupervisorOptions, 'onLog' | 'onEvent'>> &
    Pick<SupervisorOptions, 'onLog' | 'onEvent'>;
  #process: WorkerProcess | undefined;
  #state: InstanceState = 'stopped';
  #wantRunning = false;
  #attempt = 0;
  #restartTimer: NodeJS.Timeout | undefined;
  #waiters: Array<{ resolve: (port: number) => void; reject: (error: Error) => void }> = [];

  constructor(options: SupervisorOptions) {
    this.#options = {
      startTimeoutMs: 15_000,
      initialBackoffMs: 250,
      maxBackoffMs: 10_000,
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

  async start(): Promise<number> {
    if (this.#state === 'ready' && this.port !== undefined) return this.port;
    if (this.#state === 'starting' || this.#state === 'restarting') return this.whenReady();
    this.#wantRunning = true;
    this.#state = 'starting';
    try {
      const configPath = await writeWorkerdConfig(this.#options.spec, this.#options.workDir);
      const port = await this.#launch(configPath);
      this.#attempt = 0;
      return port;
    } catch (error) {
      this.#wantRunning = false;
      this.#state = 'stopped';
      this.#settleWaiters(error as Error);
      throw error;
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
    if (this.#state !== 'stopped') {
      this.#state = 'stopped';
      this.#options.onEvent?.({ type: 'stopped' });
    }
    this.#settleWaiters(Object.assign(new Error('version was stopped'), { code: 'stopped' }));
  }

  async #launch(configPath: string): Promise<number> {
    const proc = new WorkerProcess({
      configPath,
      startTimeoutMs: this.#options.startTimeoutMs,
      onLog: this.#options.onLog,
    });
    this.#process = proc;
    const port = await proc.start();
    if (!this.#wantRunning || this.#process !== proc) {
      // stop() was called while we were starting.
      await proc.stop();
      throw Object.assign(new Error('version was stopped while starting'), { code: 'stopped' });
    }
    this.#state = 'ready';
    const startedAt = Date.now();
    this.#options.onEvent?.({ type: 'ready', port, pid: proc.pid });
    const limitMib = this.#options.spec.memoryMib + RUNTIME_OVERHEAD_MIB;
    const stopWatching =
      proc.pid === undefined
        ? () => {}
        : watchMemory(proc.pid, limitMib, (residentMib) => {
            this.#options.onEvent?.({ type: 'memory_exceeded', residentMib, limitMib });
            // Treated like a crash: restarted with backoff, with a fresh heap.
            proc.kill();
          });
    void proc.exited.then(stopWatching);
    this.#settleWaiters(undefined, port);
    void proc.exited.then((exitCode) => this.#onExit(proc, exitCode, startedAt, configPath));
    return port;
  }

  #onExit(proc: WorkerProcess, exitCode: number | null, startedAt: number, configPath: string) {
    if (!this.#wantRunning || this.#process !== proc) return;
    if (Date.now() - startedAt > STABLE_AFTER_MS) this.#attempt = 0;
    const delay = this.#nextDelay();
    this.#state = 'restarting';
    this.#options.onEvent?.({ type: 'crashed', exitCode, restartInMs: delay, tail: proc.tail });
    this.#scheduleRestart(configPath, delay);
  }

  #scheduleRestart(configPath: string, delay: number) {
    this.#restartTimer = setTimeout(() => {
      if (!this.#wantRunning) return;
      this.#launch(configPath).catch((error: Error) => {
        if (!this.#wantRunning) return;
        const next = this.#nextDelay();
        this.#options.onEvent?.({
          type: 'restart_failed',
          reason: error.message,
          restartInMs: next,
        });
        this.#scheduleRestart(configPath, next);
      });
    }, delay);
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
