import { cronMatches, parseCron } from '@gov/contract';
import { eq, ne, sql } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import { apps, deployments } from '../db/schema/index.ts';
import { Semaphore } from '../drivers/local/agent/semaphore.ts';

type Logger = (entry: Record<string, unknown>) => void;

import { claimRun, completeRun, type RunScheduled, tidyRuns } from './cron-runs.ts';

/** Scheduled events running at once across all apps: one app's slow job never blocks the rest. */
const CONCURRENT_RUNS = 8;
/** Past the minute, so that every control plane's clock agrees which minute it is. */
const TICK_OFFSET_MS = 500;

export interface CronScheduler {
  /** Fires every trigger due at this minute; the loop calls it, tests may too. */
  tick(minute: Date): Promise<void>;
  stop(): Promise<void>;
}

/** The minute an instant falls in. */
export function minuteOf(at: Date): Date {
  return new Date(Math.floor(at.getTime() / 60_000) * 60_000);
}

/**
 * Fires cron triggers: at each minute, the live version of every app whose
 * schedule names that minute gets one scheduled event. It runs on the
 * leading control plane; the claim in the database makes a firing happen
 * once even if two briefly think they lead. A minute missed while no
 * control plane led is not caught up, as Workers does not.
 */
export function startCronScheduler(deps: {
  db: Database;
  run: RunScheduled;
  log: Logger;
  /** False in tests that drive `tick` themselves. */
  loop?: boolean;
}): CronScheduler {
  const { db, run, log } = deps;
  const slots = new Semaphore(CONCURRENT_RUNS);
  const running = new Set<Promise<unknown>>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const tick = async (minute: Date): Promise<void> => {
    await tidyRuns(db, new Date()).catch((error: Error) =>
      log({ level: 'warn', component: 'cron', message: `tidying runs failed: ${error.message}` }),
    );
    const live = await db
      .select({
        appId: apps.id,
        app: apps.name,
        deploymentId: deployments.id,
        crons: deployments.crons,
      })
      .from(apps)
      .innerJoin(deployments, eq(deployments.id, apps.liveDeploymentId))
      .where(ne(deployments.crons, sql`'[]'::jsonb`));
    for (const version of live) {
      for (const cron of version.crons) {
        let due: boolean;
        try {
          due = cronMatches(parseCron(cron), minute);
        } catch {
          continue; // Checked at deploy; a cron this code cannot read is never fired.
        }
        if (!due) continue;
        const target = {
          appId: version.appId,
          deploymentId: version.deploymentId,
          cron,
          scheduledAt: minute,
          trigger: 'schedule' as const,
        };
        const runId = await claimRun(db, target);
        if (!runId) continue;
        const job = slots
          .run(() => completeRun(db, runId, target, run))
          .then((row) => {
            if (row.outcome !== 'ok') {
              log({
                level: 'warn',
                component: 'cron',
                app: version.app,
                cron,
                message: `scheduled event ended ${row.outcome}${row.message ? `: ${row.message}` : ''}`,
              });
            }
          })
          .catch((error: Error) =>
            log({ level: 'error', component: 'cron', app: version.app, message: error.message }),
          );
        running.add(job);
        void job.finally(() => running.delete(job));
      }
    }
  };

  const schedule = () => {
    if (stopped) return;
    const now = Date.now();
    const next = (Math.floor(now / 60_000) + 1) * 60_000 + TICK_OFFSET_MS;
    timer = setTimeout(() => {
      tick(minuteOf(new Date()))
        .catch((error: Error) =>
          log({ level: 'error', component: 'cron', message: `tick failed: ${error.message}` }),
        )
        .finally(schedule);
    }, next - now);
    timer.unref();
  };
  if (deps.loop !== false) schedule();

  return {
    tick,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await Promise.allSettled([...running]);
    },
  };
}
