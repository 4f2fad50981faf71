import { index, integer, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { apps } from './apps.ts';

/**
 * One firing of an app's cron trigger: claimed by inserting this row before
 * the handler runs, so that a trigger time fires once however many control
 * planes or instances there are (the unique key decides), then completed
 * with its outcome. Manual runs (`gov crons run`) have no trigger time.
 */
export const cronRuns = pgTable(
  'cron_runs',
  {
    id: text('id').primaryKey(),
    appId: text('app_id')
      .notNull()
      .references(() => apps.id, { onDelete: 'cascade' }),
    /** The version that ran it (no reference: history outlives pruned versions). */
    deploymentId: text('deployment_id').notNull(),
    cron: text('cron').notNull(),
    /** The minute the schedule named; for a manual run, when it was asked for. */
    scheduledAt: timestamp('scheduled_at', { withTimezone: true }).notNull(),
    trigger: text('trigger').$type<'schedule' | 'manual'>().notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    /** ok, exception, no_handler, timeout, unavailable; null while it runs. */
    outcome: text('outcome'),
    message: text('message'),
    durationMs: integer('duration_ms'),
  },
  (t) => [
    uniqueIndex('cron_runs_once_key').on(t.appId, t.cron, t.scheduledAt, t.trigger),
    index('cron_runs_app_idx').on(t.appId, t.startedAt),
  ],
);

export type CronRunRow = typeof cronRuns.$inferSelect;
