/**
 * Turns what workerd printed while failing into something a ministry
 * developer can act on: the first meaningful lines (summary) and the whole
 * text with repeats folded (detail, for `--verbose`). Host install paths
 * and workerd's native stack frames are removed from both: they say nothing
 * to the developer and tell an attacker how the host is laid out.
 */

const SUMMARY_LINES = 3;
const SUMMARY_CHARS = 400;
const DETAIL_CHARS = 8 * 1024;

/** workerd's own source locations and native frames, not the app's code. */
const NATIVE = [
  /^\s*(?:\*\*\* )?Received signal/,
  /workerd\/[\w/.-]+\.c\+\+/,
  /kj\/[\w/.-]+\.c\+\+/,
  /^\s*(?:stack|trace):\s*[0-9a-fx ]+$/i,
  /^\s*0x[0-9a-f]+\b/i,
];

function scrubPaths(line: string, hidePaths: string[]): string {
  let out = line;
  for (const p of hidePaths) if (p) out = out.split(p).join('…');
  // Any absolute path into a node_modules folder is the platform's install.
  return out.replace(/(?:\/[\w.@+-]+)+\/node_modules\/[\w.@+/-]+/g, '…');
}

export interface FailureText {
  summary: string;
  detail: string;
}

export function describeFailure(
  headline: string,
  output: string[],
  hidePaths: string[] = [],
): FailureText {
  const seen = new Set<string>();
  const folded: string[] = [];
  let repeats = 0;
  for (const raw of output) {
    const line = scrubPaths(raw.trimEnd(), hidePaths);
    if (!line.trim() || NATIVE.some((re) => re.test(line))) continue;
    if (seen.has(line)) {
      repeats += 1;
      continue;
    }
    seen.add(line);
    folded.push(line);
  }
  const meaningful = folded.slice(0, SUMMARY_LINES).map((l) => l.trim());
  let summary = meaningful.length > 0 ? `${headline}: ${meaningful.join(' | ')}` : headline;
  if (summary.length > SUMMARY_CHARS) summary = `${summary.slice(0, SUMMARY_CHARS - 1)}…`;
  let detail = folded.join('\n');
  if (repeats > 0) detail += `\n(${repeats} repeated line(s) folded)`;
  if (detail.length > DETAIL_CHARS) detail = `${detail.slice(0, DETAIL_CHARS - 1)}…`;
  return { summary, detail };
}
