import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { bytea } from './bytea.ts';
import { ministries } from './ministries.ts';

/**
 * Each ministry's data key (envelope encryption): secrets are sealed with
 * it, and it is stored only wrapped by the platform's master key, which the
 * database never holds. Rotating the master key rewraps these rows alone;
 * a key service can hold the master key later without touching a secret.
 */
export const ministryKeys = pgTable('ministry_keys', {
  ministryId: text('ministry_id')
    .primaryKey()
    .references(() => ministries.id, { onDelete: 'cascade' }),
  wrappedKey: bytea('wrapped_key').notNull(),
  /** Which master key wrapped it (its public id, never the key). */
  masterKeyId: text('master_key_id').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  rewrappedAt: timestamp('rewrapped_at', { withTimezone: true }),
});

export type MinistryKeyRow = typeof ministryKeys.$inferSelect;
