import { ConfigError } from '../config.ts';

/**
 * Structured logs, one JSON object a line on stderr, for every platform
 * process. `quiet` drops the apps' own output (their console lines).
 */
export function processLogger(
  component: string,
  quiet = false,
): (entry: Record<string, unknown>) => void {
  return (entry) => {
    if (quiet && entry.level === 'app') return;
    process.stderr.write(
      `${JSON.stringify({ time: new Date().toISOString(), process: component, ...entry })}\n`,
    );
  };
}

/** Runs `stop` once on SIGTERM, SIGINT or the parent going away, then exits. */
export function stopOnSignals(
  stop: () => Promise<void>,
  log: (entry: Record<string, unknown>) => void,
): void {
  let stopping = false;
  const shutdown = (why: string) => {
    if (stopping) return;
    stopping = true;
    log({ level: 'info', message: `${why}: stopping` });
    const force = setTimeout(() => process.exit(1), 20_000);
    force.unref();
    stop().then(
      () => process.exit(0),
      (error: Error) => {
        log({ level: 'error', message: `stop failed: ${error.message}` });
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  // Started by the launcher: if it dies, nothing supervises us any more.
  if (process.send) process.once('disconnect', () => shutdown('launcher gone'));
}

/**
 * Runs a process's `main`; a failure to start ends it with a message for a
 * person: a bad setting (exit 2) names the variable, anything else (exit 1)
 * says which process failed, with the stack for the operator.
 */
export function runMain(what: string, main: () => Promise<void>): void {
  main().catch((error: Error) => {
    if (error instanceof ConfigError) {
      process.stderr.write(
        `gov: ${error.message}\n  hint: fix the environment variables above and start again\n`,
      );
      process.exit(2);
    }
    process.stderr.write(`gov: ${what} failed to start: ${error.message}\n${error.stack ?? ''}\n`);
    process.exit(1);
  });
}
