import { type MinistryRole, ministryRoles } from '@gov/contract';
import { index, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { members } from './members.ts';
import { ministries } from './ministries.ts';

export { type MinistryRole, ministryRoles };

/** A member's role in one ministry; a person can hold roles in several ministries. */
export const memberships = pgTable(
  'memberships',
  {
    memberId: text('member_id')
      .notNull()
      .references(() => members.id, { onDelete: 'cascade' }),
    ministryId: text('ministry_id')
      .notNull()
      .references(() => ministries.id, { onDelete: 'cascade' }),
    role: text('role').$type<MinistryRole>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('memberships_member_ministry_key').on(t.memberId, t.ministryId),
    index('memberships_ministry_idx').on(t.ministryId),
  ],
);

export type MembershipRow = typeof memberships.$inferSelect;
