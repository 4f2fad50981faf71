import { resolveApp, resolveMinistry } from '../../app-target.ts';
import { appOptions, defineCommand } from '../../command.ts';
import { clientFor } from '../../context.ts';
import { UserError } from '../../errors.ts';
import { table } from '../../table.ts';
import { type CronRun, RUN_HEADER, runRows } from './list.ts';

export const cronsRun = defineCommand({
  path: ['crons', 'run'],
  summary: "Run the live version's scheduled handler now, as its trigger would",
  usage: 'gov crons run [--cron "0 3 * * *"] [--app a] [--ministry m] [--json]',
  positionals: [],
  options: {
    ...appOptions,
    cron: { type: 'string' },
  },
  async run(input) {
    const app = resolveApp(input);
    const ministry = await resolveMinistry(input);
    const cron = input.flags.cron as string | undefined;
    const run = await clientFor(input).raw<CronRun>(
      'POST',
      `/v1/ministries/${ministry}/apps/${app}/crons/run`,
      cron === undefined ? {} : { cron },
    );
    if (input.flags.json) input.stdout(`${JSON.stringify(run)}\n`);
    else input.stdout(table(RUN_HEADER, runRows([run])));
    if (run.outcome !== 'ok') {
      // The run is recorded either way; the exit status says it did not succeed.
      throw new UserError('scheduled_failed', `the scheduled handler ended ${run.outcome}`, {
        hint:
          run.outcome === 'no_handler'
            ? 'export a scheduled(controller, env, ctx) handler beside fetch'
            : `read what it printed with \`gov logs ${app}\``,
      });
    }
  },
});
