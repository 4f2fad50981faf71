/**
 * An error the user can fix: printed as one line plus a hint naming the next
 * thing to do, without a stack. Everything else is a bug in gov or in the
 * platform.
 *
 * @example
 * throw new UserError('no_ministry', 'which ministry? none given', {
 *   hint: 'pass --ministry <name>, or add "gov": { "ministry": "<name>" } to wrangler.jsonc',
 * });
 */
export class UserError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly requestId: string | undefined;

  constructor(code: string, message: string, options: { hint?: string; requestId?: string } = {}) {
    super(message);
    this.name = 'UserError';
    this.code = code;
    this.hint = options.hint;
    this.requestId = options.requestId;
  }
}

/**
 * Codes that mean "a bug, not yours to fix". The API answers `internal_error`
 * when it failed in a way it did not foresee; the CLI uses `unexpected_answer`
 * when the API answered something outside its contract.
 */
const BUG_CODES = new Set(['internal_error', 'unexpected_answer']);

/**
 * A bug that still knows where it happened: reported with its request id
 * (exit 2), never as the user's fault.
 *
 * @example
 * throw bugError('unexpected_answer', 'the API answered HTTP 200 but no JSON', 'req_123');
 */
export function bugError(
  code: string,
  message: string,
  requestId: string | undefined,
): Error & { code: string; requestId: string | undefined } {
  return Object.assign(new Error(message), { code, requestId });
}

interface CodedError {
  code: string;
  message: string;
  hint?: string | undefined;
  requestId?: string | undefined;
}

function coded(error: unknown): CodedError | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code } = error as { code?: unknown };
  return typeof code === 'string' && code !== '' ? (error as Error & CodedError) : undefined;
}

/**
 * Recognised by shape and code, not class: errors cross package boundaries.
 * Node's own errors carry a code too (ENOENT…) but no `hint` field.
 *
 * @example
 * if (isUserError(error) && error.code === 'conflict') return undefined;
 */
export function isUserError(error: unknown): error is UserError {
  const e = coded(error);
  return e !== undefined && 'hint' in e && !BUG_CODES.has(e.code);
}

/**
 * Prints an error for a person and returns the exit code: 1 for a user
 * error, 2 for a bug (with the request id when the API gave one, and the
 * stack only with --verbose).
 *
 * @example
 * process.exitCode = reportError(error, argv.includes('--verbose'), (s) => process.stderr.write(s));
 */
export function reportError(error: unknown, verbose: boolean, write: (s: string) => void): number {
  if (isUserError(error)) {
    write(`gov: ${error.message}\n`);
    if (error.hint) write(`  hint: ${error.hint}\n`);
    if (error.requestId) write(`  request id: ${error.requestId}\n`);
    return 1;
  }
  const e = error instanceof Error ? error : new Error(String(error));
  const requestId = coded(e)?.requestId;
  write(`gov: unexpected error${requestId ? ` (request id ${requestId})` : ''}: ${e.message}\n`);
  write(
    verbose
      ? `${e.stack ?? ''}\n`
      : `  hint: this is a bug, not yours to fix: run again with --verbose and send the output${requestId ? ' and the request id' : ''} to the platform team\n`,
  );
  return 2;
}
