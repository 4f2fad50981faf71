import { isUserError } from '../cli/errors.ts';

/**
 * A failure that says nothing about the request itself: the control plane
 * is restarting or briefly unreachable. Worth the same call again, for
 * calls that are safe to repeat (reads, and writes sent with an
 * Idempotency-Key).
 */
export function isTransient(error: unknown): boolean {
  if (!isUserError(error)) return false;
  return (
    error.code === 'unreachable' || /^http_5\d\d$/.test(error.code) || error.code === 'unavailable'
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `call` until it succeeds, fails for a reason of its own, or the
 * deadline passes; between transient failures it waits 250 ms, doubling to 2 s.
 *
 * @example
 * const app = await retryTransient(() => client.getApp('demo', 'demarche'), Date.now() + 60_000);
 */
export async function retryTransient<T>(
  call: () => Promise<T>,
  deadline: number,
  onRetry: (error: Error) => void = () => {},
): Promise<T> {
  let delay = 250;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (!isTransient(error) || Date.now() + delay > deadline) throw error;
      onRetry(error as Error);
      await sleep(delay);
      delay = Math.min(2_000, delay * 2);
    }
  }
}
