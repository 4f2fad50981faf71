import { index, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { members } from './members.ts';
import type { MinistryRole } from './memberships.ts';
import { ministries } from './ministries.ts';

/**
 * Bearer tokens for the API; only a sha256 of the secret is stored.
 * - `login`: issued to a member by `gov login`; acts with the member's roles.
 * - `api`: for CI and scripts; fixed to one ministry and one role (or
 *   operator when ministryId is null and role is 'operator').
 * - `bootstrap`: the local platform's first operator token.
 */
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: text('id').primaryKey(),
    tokenHash: text('token_hash').notNull(),
    kind: text('kind').$type<'login' | 'api' | 'bootstrap'>().notNull(),
    label: text('label').notNull(),
    memberId: text('member_id').references(() => members.id, { onDelete: 'cascade' }),
    role: text('role').$type<MinistryRole | 'operator'>(),
    ministryId: text('ministry_id').references(() => ministries.id, { onDelete: 'cascade' }),
    /** Who created it: a member or token id, for the audit trail. */
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('api_tokens_hash_key').on(t.tokenHash),
    index('api_tokens_ministry_idx').on(t.ministryId),
    index('api_tokens_member_idx').on(t.memberId),
  ],
);

export type ApiTokenRow = typeof apiTokens.$inferSelect;
