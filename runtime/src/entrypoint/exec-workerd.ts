import { spawn } from 'node:child_process';
import { constants } from 'node:os';

/** `process.execve` exists from Node 22.15 (and 23.11); @types/node 20 does not know it. */
type Execve = (file: string, args: string[], env: NodeJS.ProcessEnv) => never;

const FORWARDED = ['SIGTERM', 'SIGINT'] as const;

/** The shell's convention, which kubelet and podman report too: 128 + signal number. */
function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal ? (constants.signals[signal] ?? 0) : 0);
}

/**
 * Hands the container over to workerd. Where Node can, it replaces itself
 * (execve): workerd becomes the container's main process and Node's own
 * memory (tens of MiB, counted against the pod's limit) is returned.
 * Otherwise it spawns workerd with the same stdio, forwards SIGTERM and
 * SIGINT (as PID 1, Node would otherwise be the only one to get them) and
 * resolves with workerd's exit status, 128 + signal when killed, so an OOM
 * kill still reads 137. No shell is involved either way.
 */
export function runWorkerd(
  binary: string,
  args: string[],
  options: { allowExec?: boolean } = {},
): Promise<number> {
  const execve = (process as unknown as { execve?: Execve }).execve;
  if (options.allowExec !== false && typeof execve === 'function') {
    execve(binary, [binary, ...args], process.env);
  }
  return new Promise((resolve) => {
    const child = spawn(binary, args, { stdio: 'inherit' });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    for (const signal of FORWARDED) process.on(signal, forward);
    child.once('error', (error) => {
      // Nothing started: report it as the shell would (127: not found, 126: not runnable).
      process.stderr.write(`gov-runtime: cannot start workerd at ${binary}: ${error.message}\n`);
      resolve((error as NodeJS.ErrnoException).code === 'ENOENT' ? 127 : 126);
    });
    child.once('exit', (code, signal) => {
      for (const s of FORWARDED) process.off(s, forward);
      resolve(exitCodeOf(code, signal));
    });
  });
}
