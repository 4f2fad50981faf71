import { resolveApp, resolveMinistry } from '../../app-target.ts';
import { appOptions, defineCommand } from '../../command.ts';
import { clientFor } from '../../context.ts';
import { table } from '../../table.ts';

export interface CronRun {
  cron: string;
  trigger: string;
  scheduledAt: string;
  outcome: string | null;
  message: string | null;
  durationMs: number | null;
}

/** One line per run, newest first: when, which trigger, how it ended. */
export function runRows(runs: CronRun[]): string[][] {
  return runs.map((r) => [
    r.scheduledAt.replace('T', ' ').slice(0, 19),
    r.cron,
    r.trigger === 'manual' ? 'manual' : 'schedule',
    r.outcome ?? 'running',
    r.durationMs === null ? '' : `${r.durationMs} ms`,
    (r.message ?? '').split('\n')[0]?.slice(0, 80) ?? '',
  ]);
}

export const RUN_HEADER = ['TIME (UTC)', 'CRON', 'TRIGGER', 'OUTCOME', 'DURATION', 'MESSAGE'];

export const cronsList = defineCommand({
  path: ['crons', 'list'],
  summary: "Show an app's cron triggers and their latest runs",
  usage: 'gov crons list [--app a] [--ministry m] [--json]',
  positionals: [],
  options: appOptions,
  async run(input) {
    const app = resolveApp(input);
    const ministry = await resolveMinistry(input);
    const answer = await clientFor(input).raw<{
      crons: string[];
      liveVersion: number | null;
      runs: CronRun[];
    }>('GET', `/v1/ministries/${ministry}/apps/${app}/crons`);
    if (input.flags.json) return input.stdout(`${JSON.stringify(answer)}\n`);
    if (answer.crons.length === 0) {
      input.stderr(
        answer.liveVersion === null
          ? `${app} has no live version.\n`
          : `version ${answer.liveVersion} of ${app} has no cron triggers: add [triggers] crons = ["0 3 * * *"] to its config.\n`,
      );
    } else {
      input.stderr(
        `version ${answer.liveVersion} of ${app} runs on (UTC): ${answer.crons.join(', ')}\n`,
      );
    }
    if (answer.runs.length > 0) input.stdout(table(RUN_HEADER, runRows(answer.runs)));
  },
});
