import { createHash } from 'node:crypto';
import type { AppLogEntry, AppLogKind } from '@gov/contract';

const MAX_MESSAGE_CHARS = 8 * 1024;

/**
 * A sortable id from the kubelet's timestamp (RFC 3339, up to nine fraction
 * digits, trailing zeros trimmed as Go prints them), the pod and the line:
 * the same line read twice gets the same id, so `after=<id>` (a follow)
 * reads what came since and nothing twice.
 */
export function logLineId(at: string, pod: string, text: string): string | undefined {
  const match = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(at);
  if (!match) return undefined;
  const ms = Date.parse(`${match[1]}${match[3]}`); // whole seconds
  if (Number.isNaN(ms)) return undefined;
  const fraction = (match[2] ?? '').padEnd(9, '0');
  const digest = createHash('sha256').update(`${pod}\n${text}`).digest('hex').slice(0, 8);
  // The milliseconds (with those of the fraction), then the rest of the
  // fraction: the embedded default's id shape, with the line's digest after.
  return `${String(ms + Number(fraction.slice(0, 3))).padStart(13, '0')}-${fraction.slice(3)}-${digest}`;
}

/** One pod's `kubectl logs --timestamps` text as the app's log entries. */
export function podLogEntries(
  text: string,
  source: { pod: string; deploymentId: string; kindOf: (line: string) => AppLogKind },
): AppLogEntry[] {
  const entries: AppLogEntry[] = [];
  for (const line of text.split('\n')) {
    const space = line.indexOf(' ');
    if (space <= 0) continue;
    const at = line.slice(0, space);
    const message = line.slice(space + 1);
    const id = logLineId(at, source.pod, message);
    if (!id) continue;
    entries.push({
      id,
      at: new Date(Date.parse(at)).toISOString(),
      deploymentId: source.deploymentId,
      kind: source.kindOf(message),
      message: message.slice(0, MAX_MESSAGE_CHARS),
    });
  }
  return entries;
}
