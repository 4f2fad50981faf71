import { bigint, index, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Metered traffic per app per minute, written by the gateway in batches.
 * No foreign keys: usage outlives a deleted app for the ministry's records.
 */
export const usageMinutes = pgTable(
  'usage_minutes',
  {
    appId: text('app_id').notNull(),
    ministryId: text('ministry_id').notNull(),
    minute: timestamp('minute', { withTimezone: true }).notNull(),
    requests: integer('requests').notNull().default(0),
    errors: integer('errors').notNull().default(0),
    /** Requests the gateway turned away (429, the ministry's rate quota): not in `requests`. */
    rejected: integer('rejected').notNull().default(0),
    bytesIn: bigint('bytes_in', { mode: 'number' }).notNull().default(0),
    bytesOut: bigint('bytes_out', { mode: 'number' }).notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.appId, t.minute] }),
    index('usage_minutes_ministry_idx').on(t.ministryId, t.minute),
  ],
);

export type UsageMinuteRow = typeof usageMinutes.$inferSelect;
