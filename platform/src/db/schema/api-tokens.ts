import { index, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { ministries } from './ministries.ts';

/**
 * Bearer tokens for the API. Only a sha256 of the secret is stored: a
 * database leak does not leak usable tokens. `role` and `ministryId` are the
 * seam the full roles model plugs into.
 */
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: text('id').primaryKey(),
    tokenHash: text('token_hash').notNull(),
    label: text('label').notNull(),
    role: text('role').$type<'operator'>().notNull(),
    ministryId: text('ministry_id').references(() => ministries.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('api_tokens_hash_key').on(t.tokenHash),
    index('api_tokens_ministry_idx').on(t.ministryId),
  ],
);

export type ApiTokenRow = typeof apiTokens.$inferSelect;
