import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Readable } from 'node:stream';
import type { FailureReason } from '@gov/contract';
import { workerdBinaryPath } from '../workerd/binary.ts';
import { describeFailure } from './failure.ts';
import { onOutputLines } from './output-lines.ts';
import { probeHealth } from './probe.ts';

/** One line workerd printed, tagged with its stream. */
export interface LogLine {
  stream: 'stdout' | 'stderr';
  line: string;
  at: Date;
}

export interface WorkerProcessOptions {
  configPath: string;
  /** How long the process may take to listen (and pass its health check, if any). */
  startTimeoutMs: number;
  /** The app's own health path, probed after workerd listens; null: listening is ready. */
  healthPath?: string | null;
  /** Kill workerd when the process that spawned it dies, so a crash leaves no stray. */
  dieWithParent?: boolean;
  /** Strings (working directories) never shown in a failure reason. */
  hidePaths?: string[];
  onLog?: (line: LogLine) => void;
  /** Called as soon as the process exists, before it is ready: record it then. */
  onSpawn?: (pid: number) => void;
  /** The config has a liveness socket: ready only once it listens too. */
  expectLiveness?: boolean;
  /** The config has a scheduled socket (cron triggers): ready only once it listens too. */
  expectScheduled?: boolean;
}

/** Why a start failed, for a developer (summary) and for `--verbose` (detail). */
export interface StartFailure extends Error {
  code: 'start_failed';
  reason: FailureReason;
  summary: string;
  detail: string;
}

export function isStartFailure(error: unknown): error is StartFailure {
  return (error as { code?: unknown } | null)?.code === 'start_failed';
}

/** Lines kept for a failure reason, each cut to TAIL_LINE_CHARS. */
const TAIL_LINES = 40;
const TAIL_LINE_CHARS = 2048;

/** util-linux's setpriv sets the parent-death signal, then execs workerd (same pid). */
const SETPRIV = '/usr/bin/setpriv';

/**
 * A single workerd process. Ready means workerd listens, which it does only
 * after the app's modules evaluated without throwing (a module that throws
 * makes workerd exit), and, when the app declares a health path, that path
 * answers 2xx or 3xx. The app's "/" is never probed: it may need a binding,
 * or not exist. It never restarts itself; that is the supervisor's job.
 */
export class WorkerProcess {
  readonly #options: WorkerProcessOptions;
  #child: ChildProcess | undefined;
  #tail: string[] = [];
  #exited: Promise<number | null> | undefined;
  port: number | undefined;
  /** The liveness worker's port, when the config has one. */
  livenessPort: number | undefined;
  /** The scheduled socket's port, when the app has cron triggers. */
  scheduledPort: number | undefined;

  constructor(options: WorkerProcessOptions) {
    this.#options = options;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Resolves with the exit code (null when killed by a signal) once the process ends. */
  get exited(): Promise<number | null> {
    return this.#exited ?? Promise.resolve(null);
  }

  /** Last lines of output, bounded. */
  get tail(): string[] {
    return [...this.#tail];
  }

  async start(): Promise<number> {
    const workerd = workerdBinaryPath();
    const args = ['serve', this.#options.configPath, '--control-fd=3'];
    const [command, argv] =
      this.#options.dieWithParent && existsSync(SETPRIV)
        ? [SETPRIV, ['--pdeathsig', 'KILL', '--', workerd, ...args]]
        : [workerd, args];
    const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    if (child.pid !== undefined) this.#options.onSpawn?.(child.pid);
    this.#pipeLogs(child.stdout, 'stdout');
    this.#pipeLogs(child.stderr, 'stderr');

    const deadline = Date.now() + this.#options.startTimeoutMs;
    try {
      const port = await this.#awaitListen(child, deadline);
      this.port = port;
      if (this.#options.healthPath)
        await this.#awaitHealth(port, this.#options.healthPath, deadline);
      return port;
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** Ends the process at once, as a crash would; the supervisor decides what follows. */
  kill(): void {
    this.#child?.kill('SIGKILL');
  }

  async stop(graceMs = 2_000): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** A failure built from what the process printed. */
  failure(reason: FailureReason, headline: string): StartFailure {
    const { summary, detail } = describeFailure(headline, this.#tail, this.#options.hidePaths);
    return Object.assign(new Error(summary), {
      code: 'start_failed' as const,
      reason,
      summary,
      detail,
    });
  }

  #pipeLogs(stream: Readable | null, name: LogLine['stream']): void {
    if (!stream) return;
    onOutputLines(stream, (line) => {
      this.#tail.push(line.length > TAIL_LINE_CHARS ? `${line.slice(0, TAIL_LINE_CHARS)}…` : line);
      if (this.#tail.length > TAIL_LINES) this.#tail.shift();
      this.#options.onLog?.({ stream: name, line, at: new Date() });
    });
  }

  /** workerd writes `{"event":"listen","socket":"http","port":N}` on fd 3 once it accepts connections. */
  #awaitListen(child: ChildProcess, deadline: number): Promise<number> {
    const control = child.stdio[3] as Readable | null;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            this.failure(
              'start_timeout',
              `the app did not start listening within ${this.#options.startTimeoutMs} ms`,
            ),
          ),
        Math.max(0, deadline - Date.now()),
      );
      const done = () => clearTimeout(timer);
      child.once('exit', (code, signal) => {
        done();
        // Let the last stderr lines arrive before building the reason.
        setImmediate(() =>
          reject(
            this.failure(
              'start_error',
              `the app failed to start (workerd exited with ${signal ?? `code ${code}`})`,
            ),
          ),
        );
      });
      child.once('error', (error) => {
        done();
        reject(this.failure('start_error', `workerd could not be started (${error.message})`));
      });
      if (!control) return reject(this.failure('start_error', 'workerd control channel missing'));
      let httpPort: number | undefined;
      onOutputLines(control, (line) => {
        try {
          const event = JSON.parse(line) as { event?: string; socket?: string; port?: number };
          if (event.event !== 'listen' || typeof event.port !== 'number') return;
          if (event.socket === 'http') httpPort = event.port;
          if (event.socket === 'liveness') this.livenessPort = event.port;
          if (event.socket === 'scheduled') this.scheduledPort = event.port;
          if (
            httpPort !== undefined &&
            (!this.#options.expectLiveness || this.livenessPort) &&
            (!this.#options.expectScheduled || this.scheduledPort)
          ) {
            done();
            resolve(httpPort);
          }
        } catch {
          // Not a control message we understand; workerd may add others.
        }
      });
    });
  }

  async #awaitHealth(port: number, healthPath: string, deadline: number): Promise<void> {
    let last = 'no answer';
    while (Date.now() < deadline) {
      if (this.#child?.exitCode !== null) break;
      const result = await probeHealth(port, healthPath, Math.max(100, deadline - Date.now()));
      if (result.ok) return;
      last = result.reason;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw this.failure('health_check', `the app's health check failed (${last})`);
  }
}
