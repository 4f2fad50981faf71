import { boolean, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

/**
 * A person on the platform staff side (operator, ministry admin, developer,
 * auditor), known by the OpenID Provider's issuer and subject. Citizens are
 * not members.
 */
export const members = pgTable(
  'members',
  {
    id: text('id').primaryKey(),
    issuer: text('issuer').notNull(),
    subject: text('subject').notNull(),
    email: text('email'),
    displayName: text('display_name'),
    /** Platform operator: every ministry. Set by another operator, never by login. */
    isOperator: boolean('is_operator').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('members_issuer_subject_key').on(t.issuer, t.subject)],
);

export type MemberRow = typeof members.$inferSelect;
