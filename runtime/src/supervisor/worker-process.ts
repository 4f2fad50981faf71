import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { workerdBinaryPath } from '../workerd/binary.ts';
import { probeHttp } from './probe.ts';

/** One line workerd printed, tagged with its stream. */
export interface LogLine {
  stream: 'stdout' | 'stderr';
  line: string;
  at: Date;
}

export interface WorkerProcessOptions {
  configPath: string;
  /** How long the process may take to listen and answer its probe. */
  startTimeoutMs: number;
  onLog?: (line: LogLine) => void;
}

export interface StartFailure {
  code: 'start_failed';
  message: string;
}

/** Lines kept for a failure reason: the last lines workerd printed. */
const TAIL_LINES = 20;

/**
 * A single workerd process: spawned, declared ready once workerd reports its
 * listening port on the control fd *and* the app answers an HTTP probe,
 * stopped with SIGTERM then SIGKILL. It never restarts itself; that is the
 * supervisor's job.
 */
export class WorkerProcess {
  readonly #options: WorkerProcessOptions;
  #child: ChildProcess | undefined;
  #tail: string[] = [];
  #exited: Promise<number | null> | undefined;
  port: number | undefined;

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

  /** Last lines of output, for a failure reason a developer can act on. */
  get tail(): string {
    return this.#tail.join('\n');
  }

  async start(): Promise<number> {
    const child = spawn(
      workerdBinaryPath(),
      ['serve', this.#options.configPath, '--control-fd=3'],
      { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] },
    );
    this.#child = child;
    this.#exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    this.#pipeLogs(child.stdout, 'stdout');
    this.#pipeLogs(child.stderr, 'stderr');

    const deadline = Date.now() + this.#options.startTimeoutMs;
    try {
      const port = await this.#awaitListen(child, deadline);
      this.port = port;
      await this.#awaitProbe(port, deadline);
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

  #pipeLogs(stream: Readable | null, name: LogLine['stream']): void {
    if (!stream) return;
    createInterface({ input: stream }).on('line', (line) => {
      this.#tail.push(line);
      if (this.#tail.length > TAIL_LINES) this.#tail.shift();
      this.#options.onLog?.({ stream: name, line, at: new Date() });
    });
  }

  #failure(message: string): StartFailure & Error {
    const details = this.tail.trim();
    return Object.assign(new Error(details ? `${message}: ${details}` : message), {
      code: 'start_failed' as const,
    });
  }

  /** workerd writes `{"event":"listen","socket":"http","port":N}` on fd 3 once it accepts connections. */
  #awaitListen(child: ChildProcess, deadline: number): Promise<number> {
    const control = child.stdio[3] as Readable | null;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(this.#failure('the app did not start listening in time')),
        Math.max(0, deadline - Date.now()),
      );
      const done = () => clearTimeout(timer);
      child.once('exit', (code, signal) => {
        done();
        // Let the last stderr lines arrive before building the reason.
        setImmediate(() =>
          reject(this.#failure(`the app exited during start (${signal ?? `code ${code}`})`)),
        );
      });
      child.once('error', (error) => {
        done();
        reject(this.#failure(`workerd could not be started (${error.message})`));
      });
      if (!control) return reject(this.#failure('workerd control channel missing'));
      createInterface({ input: control }).on('line', (line) => {
        try {
          const event = JSON.parse(line) as { event?: string; socket?: string; port?: number };
          if (
            event.event === 'listen' &&
            event.socket === 'http' &&
            typeof event.port === 'number'
          ) {
            done();
            resolve(event.port);
          }
        } catch {
          // Not a control message we understand; workerd may add others.
        }
      });
    });
  }

  async #awaitProbe(port: number, deadline: number): Promise<void> {
    let last = 'no answer';
    while (Date.now() < deadline) {
      if (this.#child?.exitCode !== null) break;
      const result = await probeHttp(port, Math.max(100, deadline - Date.now()));
      if (result.ok) return;
      last = result.reason;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw this.#failure(`the app did not pass its readiness probe (${last})`);
  }
}
