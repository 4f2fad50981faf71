import { bigint, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { ministries } from './ministries.ts';

/**
 * What a ministry may consume, set by operators. Defaults (in the column
 * defaults and in platform/README.md) suit a small ministry service.
 */
export const quotas = pgTable('quotas', {
  ministryId: text('ministry_id')
    .primaryKey()
    .references(() => ministries.id, { onDelete: 'cascade' }),
  maxApps: integer('max_apps').notNull().default(10),
  maxBundleBytes: integer('max_bundle_bytes')
    .notNull()
    .default(10 * 1024 * 1024),
  maxDeploymentsPerDay: integer('max_deployments_per_day').notNull().default(50),
  maxMemoryMibPerApp: integer('max_memory_mib_per_app').notNull().default(256),
  maxInstancesPerApp: integer('max_instances_per_app').notNull().default(2),
  maxRequestsPerMinutePerApp: integer('max_requests_per_minute_per_app').notNull().default(6000),
  maxKvBytes: bigint('max_kv_bytes', { mode: 'number' })
    .notNull()
    .default(100 * 1024 * 1024),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  updatedBy: text('updated_by'),
});

export type QuotaRow = typeof quotas.$inferSelect;
