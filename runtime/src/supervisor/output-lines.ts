import type { Readable } from 'node:stream';

/** Longest line kept from an app's output; the rest of the line is dropped and marked. */
export const MAX_LINE_BYTES = 8 * 1024;

/**
 * Splits a process's output into lines without ever holding more than
 * `maxLineBytes` of one line: an app that prints a 40 MiB line costs the
 * platform 8 KiB, not 40 MiB (readline would buffer the whole line).
 * A line cut short ends with "… [N bytes dropped]".
 */
export function onOutputLines(
  stream: Readable,
  onLine: (line: string) => void,
  maxLineBytes = MAX_LINE_BYTES,
): void {
  let parts: Buffer[] = [];
  let kept = 0;
  let dropped = 0;
  const flush = () => {
    let line = Buffer.concat(parts).toString('utf8');
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (dropped > 0) line += `… [${dropped} bytes dropped]`;
    parts = [];
    kept = 0;
    dropped = 0;
    onLine(line);
  };
  stream.on('data', (chunk: Buffer) => {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(10, start);
      const end = newline === -1 ? chunk.length : newline;
      const room = maxLineBytes - kept;
      const take = Math.min(room, end - start);
      if (take > 0) {
        parts.push(chunk.subarray(start, start + take));
        kept += take;
      }
      dropped += end - start - take;
      if (newline === -1) break;
      flush();
      start = newline + 1;
    }
  });
  stream.on('end', () => {
    if (kept > 0 || dropped > 0) flush();
  });
}
