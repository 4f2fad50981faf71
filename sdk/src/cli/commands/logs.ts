import type { AppLogEntry } from '@gov/contract';
import { checkSlug, resolveMinistry } from '../app-target.ts';
import { apiOptions, defineCommand } from '../command.ts';
import { clientFor } from '../context.ts';
import { UserError } from '../errors.ts';

const usage = 'gov logs <app> [--since 10m] [--follow] [--json] [--ministry m]';
/** How often --follow asks for what is new. */
const FOLLOW_MS = 1_000;

/** One line a person reads: when, which version, then what happened. */
export function formatLogLine(entry: AppLogEntry): string {
  const when = entry.at.replace('T', ' ').slice(0, 23);
  const version = entry.deploymentId.slice(0, 12);
  if (entry.kind === 'request' && entry.request) {
    const r = entry.request;
    return `${when}  ${version}  ${r.method} ${r.path} ${r.status} ${r.durationMs} ms  ${r.requestId}`;
  }
  const where = entry.kind === 'console' ? (entry.stream ?? 'stdout') : entry.kind;
  return `${when}  ${version}  ${where}: ${entry.message}`;
}

export const logs = defineCommand({
  path: ['logs'],
  summary: "Show an app's logs: its output, uncaught exceptions and requests (like wrangler tail)",
  usage,
  positionals: ['app'],
  options: {
    ...apiOptions,
    ministry: { type: 'string' },
    since: { type: 'string' },
    follow: { type: 'boolean' },
  },
  async run(input) {
    const [appArg] = input.positionals;
    if (!appArg) {
      throw new UserError('missing_argument', 'which app?', {
        hint: 'name one of your apps, as in gov logs <app>; `gov apps list` shows them',
      });
    }
    const app = checkSlug('app', appArg);
    const since = (input.flags.since as string | undefined) ?? '1h';
    if (!/^\d{1,6}[smhd]$/.test(since) && Number.isNaN(Date.parse(since))) {
      throw new UserError('invalid_flag', `--since "${since}" is not a duration or an instant`, {
        hint: 'for example --since 10m, --since 2h, --since 1d or --since 2026-12-02T10:00:00Z',
      });
    }
    // A look back is fixed to an instant once, at the start: asked again at
    // each poll, "1s" would slide past a line that took longer than that to
    // arrive, and --follow would never print it.
    const units = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
    const from = /^\d{1,6}[smhd]$/.test(since)
      ? new Date(
          Date.now() - Number(since.slice(0, -1)) * units[since.at(-1) as keyof typeof units],
        ).toISOString()
      : since;
    const ministry = await resolveMinistry(input);
    const client = clientFor(input);
    const base = `/v1/ministries/${ministry}/apps/${app}/logs`;
    const print = (entries: AppLogEntry[]) => {
      for (const e of entries)
        input.stdout(`${input.flags.json ? JSON.stringify(e) : formatLogLine(e)}\n`);
    };
    const first = await client.raw<{ logs: AppLogEntry[] }>(
      'GET',
      `${base}?since=${encodeURIComponent(from)}&limit=1000`,
    );
    print(first.logs);
    if (!input.flags.follow) {
      if (first.logs.length === 0) input.stderr(`No logs for ${app} since ${since}.\n`);
      return;
    }
    input.stderr(`Following the logs of ${app} (Ctrl+C to stop)…\n`);
    let after = first.logs.at(-1)?.id;
    for (;;) {
      await new Promise((r) => setTimeout(r, FOLLOW_MS));
      const query = after ? `after=${after}` : `since=${encodeURIComponent(from)}`;
      const next = await client
        .raw<{ logs: AppLogEntry[] }>('GET', `${base}?${query}&limit=1000`)
        .catch((error: Error) => {
          // A control plane restarting is a pause in the stream, not its end.
          input.stderr(`  (the platform is not answering: ${error.message}; retrying)\n`);
          return { logs: [] as AppLogEntry[] };
        });
      print(next.logs);
      after = next.logs.at(-1)?.id ?? after;
    }
  },
});
