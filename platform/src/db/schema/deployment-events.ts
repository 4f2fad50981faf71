import type { DeploymentEventType } from '@gov/contract';
import { bigint, index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { deployments } from './deployments.ts';

/**
 * What happened to a running version (crash, restart, memory kill, egress
 * refusal, scale to zero...), as the driver reported it. Repeats in a row
 * are folded into one row with a count, so a crash loop is one line.
 */
export const deploymentEvents = pgTable(
  'deployment_events',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    deploymentId: text('deployment_id')
      .notNull()
      .references(() => deployments.id, { onDelete: 'cascade' }),
    /** Last time it happened (the first, when count is 1). */
    at: timestamp('at', { withTimezone: true }).notNull(),
    type: text('type').$type<DeploymentEventType>().notNull(),
    message: text('message').notNull(),
    count: integer('count').notNull().default(1),
  },
  (t) => [index('deployment_events_deployment_idx').on(t.deploymentId, t.id)],
);

export type DeploymentEventRow = typeof deploymentEvents.$inferSelect;
