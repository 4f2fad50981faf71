import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { members } from './members.ts';

/** Admin panel sessions, server-side: the cookie holds a random id whose hash is the key. */
export const sessions = pgTable('sessions', {
  idHash: text('id_hash').primaryKey(),
  memberId: text('member_id')
    .notNull()
    .references(() => members.id, { onDelete: 'cascade' }),
  /** Double-submit token for the panel's forms. */
  csrfToken: text('csrf_token').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
});

/**
 * One pending authorization-code login: the state, nonce and PKCE verifier
 * live here, not in the browser, and are used once.
 */
export const loginTransactions = pgTable('login_transactions', {
  idHash: text('id_hash').primaryKey(),
  state: text('state').notNull(),
  nonce: text('nonce').notNull(),
  codeVerifier: text('code_verifier').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true }),
});
