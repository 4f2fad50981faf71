import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface ChildReady {
  type: 'ready';
  [key: string]: unknown;
}

/** Restart delay after an exit: fast at first, at most 10 s; reset after a minute up. */
const BACKOFF_MS = [250, 500, 1_000, 2_000, 5_000, 10_000];
const STABLE_MS = 60_000;

/**
 * One platform process (control plane or gateway) started by the launcher,
 * restarted whenever it exits until the launcher stops, the way a service
 * manager or a Kubernetes Deployment would. It learns readiness from an IPC
 * message, and exits by itself if the launcher dies (IPC disconnect).
 */
export class SupervisedChild {
  readonly #name: string;
  readonly #script: string;
  readonly #env: () => NodeJS.ProcessEnv;
  readonly #log: (entry: Record<string, unknown>) => void;
  readonly #onReady: (ready: ChildReady) => void;
  #child: ChildProcess | undefined;
  #stopping = false;
  #attempt = 0;
  #restartTimer: NodeJS.Timeout | undefined;

  constructor(options: {
    name: string;
    script: string;
    env: () => NodeJS.ProcessEnv;
    log: (entry: Record<string, unknown>) => void;
    onReady?: (ready: ChildReady) => void;
  }) {
    this.#name = options.name;
    this.#script = path.join(repoRoot, 'platform/src/bin', options.script);
    this.#env = options.env;
    this.#log = options.log;
    this.#onReady = options.onReady ?? (() => {});
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Starts the process; resolves with its first ready message, rejects if it exits before. */
  start(): Promise<ChildReady> {
    return new Promise((resolve, reject) => {
      const child = this.#spawn();
      const onExit = (code: number | null) =>
        reject(new Error(`the ${this.#name} exited (${code ?? 'killed'}) before it was ready`));
      child.once('exit', onExit);
      child.once('message', (message: ChildReady) => {
        child.off('exit', onExit);
        child.once('exit', (code, signal) => this.#onExit(child, code, signal, Date.now()));
        resolve(message);
      });
    });
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(force);
  }

  #spawn(): ChildProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', this.#script], {
      cwd: repoRoot,
      env: this.#env(),
      // Its own process group: a terminal's Ctrl+C reaches the launcher, which stops it in order.
      detached: true,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#child = child;
    return child;
  }

  #onExit(child: ChildProcess, code: number | null, signal: string | null, startedAt: number) {
    if (this.#stopping || this.#child !== child) return;
    if (Date.now() - startedAt > STABLE_MS) this.#attempt = 0;
    const delay = BACKOFF_MS[Math.min(this.#attempt, BACKOFF_MS.length - 1)] ?? 10_000;
    this.#attempt += 1;
    this.#log({
      level: 'warn',
      message: `the ${this.#name} exited (${signal ?? `code ${code}`}); restarting in ${delay} ms`,
    });
    this.#restartTimer = setTimeout(() => {
      if (this.#stopping) return;
      const next = this.#spawn();
      const up = Date.now();
      next.once('message', (message: ChildReady) => this.#onReady(message));
      next.once('exit', (c, s) => this.#onExit(next, c, s, up));
    }, delay);
  }
}
