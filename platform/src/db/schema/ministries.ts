import { pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/** A ministry is a tenant: it owns apps, members, quota and egress policy. */
export const ministries = pgTable(
  'ministries',
  {
    id: text('id').primaryKey(),
    /** Slug used in URLs and citizen hostnames. */
    name: text('name').notNull(),
    displayName: text('display_name').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('ministries_name_key').on(t.name)],
);

export type MinistryRow = typeof ministries.$inferSelect;
