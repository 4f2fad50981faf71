import { index, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { ministries } from './ministries.ts';

/**
 * An app of a ministry. Which version should serve is desired state, written
 * by the API (deploy, rollback); which version does serve is observed state,
 * written only by the reconciler once that version passed its readiness check.
 */
export const apps = pgTable(
  'apps',
  {
    id: text('id').primaryKey(),
    ministryId: text('ministry_id')
      .notNull()
      .references(() => ministries.id, { onDelete: 'restrict' }),
    name: text('name').notNull(),
    /** Desired: the deployment the ministry asked to serve. */
    desiredDeploymentId: text('desired_deployment_id'),
    /** Observed: the deployment the gateway routes citizens to. */
    liveDeploymentId: text('live_deployment_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('apps_ministry_name_key').on(t.ministryId, t.name),
    index('apps_ministry_idx').on(t.ministryId),
  ],
);

export type AppRow = typeof apps.$inferSelect;
