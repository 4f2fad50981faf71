import type { AppLogKind } from '@gov/contract';

/**
 * What a line of an app's output is, for `gov logs`: the platform's own
 * words (the supervisor's `[gov]`, the runtime image's `gov-runtime:`), an
 * uncaught exception as workerd prints it, or the app's console. The same
 * on both drivers.
 */
export function logKindOf(line: string): AppLogKind {
  if (line.startsWith('[gov]') || line.startsWith('gov-runtime:')) return 'platform';
  if (/\bUncaught\b/.test(line)) return 'exception';
  return 'console';
}
