import type { ScheduledOutcome } from '@gov/runtime';
import { and, eq, isNull, lt } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import { type CronRunRow, cronRuns } from '../db/schema/index.ts';
import type { ScheduledRequest } from '../drivers/driver.ts';
import { newId } from '../ids.ts';

/** Delivers a scheduled event to a version: the driver's `runScheduled`. */
export type RunScheduled = (request: ScheduledRequest) => Promise<ScheduledOutcome>;

/** Runs are kept as long as usage is: five weeks. */
export const CRON_RUN_RETENTION_MS = 35 * 24 * 3_600_000;

/** A run with no outcome after this long lost its control plane: it is closed as unavailable. */
export const ABANDONED_AFTER_MS = 6 * 60_000;

export interface RunTarget {
  appId: string;
  deploymentId: string;
  cron: string;
  scheduledAt: Date;
  trigger: 'schedule' | 'manual';
}

/**
 * Claims one firing by inserting its row: the unique key (app, cron,
 * minute, trigger) lets exactly one claim win however many control planes
 * try, so a trigger time runs once. Returns undefined when another won.
 */
export async function claimRun(db: Database, target: RunTarget): Promise<string | undefined> {
  const [claimed] = await db
    .insert(cronRuns)
    .values({ id: newId('cronRun'), ...target, startedAt: new Date() })
    .onConflictDoNothing()
    .returning({ id: cronRuns.id });
  return claimed?.id;
}

/** Runs a claimed firing through the driver and records how it ended. */
export async function completeRun(
  db: Database,
  runId: string,
  target: RunTarget,
  run: RunScheduled,
): Promise<CronRunRow> {
  const outcome = await run({
    deploymentId: target.deploymentId,
    cron: target.cron,
    scheduledTime: target.scheduledAt.getTime(),
  }).catch(
    (error: Error): ScheduledOutcome => ({
      outcome: 'unavailable',
      message: error.message,
      durationMs: 0,
    }),
  );
  const [row] = await db
    .update(cronRuns)
    .set({
      finishedAt: new Date(),
      outcome: outcome.outcome,
      message: outcome.message ?? null,
      durationMs: outcome.durationMs,
    })
    .where(eq(cronRuns.id, runId))
    .returning();
  if (!row) throw new Error(`cron run ${runId} vanished`);
  return row;
}

/** Closes runs whose control plane died under them, and forgets old ones. */
export async function tidyRuns(db: Database, now: Date): Promise<void> {
  await db
    .update(cronRuns)
    .set({
      finishedAt: now,
      outcome: 'unavailable',
      message: 'the control plane stopped while the handler ran; its end is unknown',
    })
    .where(
      and(
        isNull(cronRuns.finishedAt),
        lt(cronRuns.startedAt, new Date(now.getTime() - ABANDONED_AFTER_MS)),
      ),
    );
  await db
    .delete(cronRuns)
    .where(lt(cronRuns.startedAt, new Date(now.getTime() - CRON_RUN_RETENTION_MS)));
}
