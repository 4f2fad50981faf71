/**
 * An error the user can fix: printed as one line plus a hint naming the next
 * thing to do, without a stack. Everything else is a bug in gov.
 */
export class UserError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly requestId: string | undefined;

  constructor(code: string, message: string, options: { hint?: string; requestId?: string } = {}) {
    super(message);
    this.code = code;
    this.hint = options.hint;
    this.requestId = options.requestId;
  }
}

/** Recognised by shape, not class: errors cross package boundaries. */
export function isUserError(error: unknown): error is UserError {
  if (!(error instanceof Error) || !('hint' in error)) return false;
  const code: unknown = (error as { code?: unknown }).code;
  return typeof code === 'string' && code !== '';
}

/** Prints an error for a person and returns the exit code. */
export function reportError(error: unknown, verbose: boolean, write: (s: string) => void): number {
  if (isUserError(error)) {
    write(`gov: ${error.message}\n`);
    if (error.hint) write(`  hint: ${error.hint}\n`);
    if (error.requestId) write(`  request id: ${error.requestId}\n`);
    return 1;
  }
  const e = error instanceof Error ? error : new Error(String(error));
  write(`gov: unexpected error: ${e.message}\n`);
  write(
    verbose
      ? `${e.stack ?? ''}\n`
      : '  run again with --verbose for details, and report it to the platform team\n',
  );
  return 2;
}
