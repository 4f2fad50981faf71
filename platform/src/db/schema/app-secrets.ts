import { index, integer, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { apps } from './apps.ts';
import { bytea } from './bytea.ts';

/**
 * An app's secret (`gov secrets put`), bound into its versions as a
 * `secret_text` binding. Only the sealed value is stored: AES-256-GCM under
 * the ministry's data key, tied to this app and name. The API never returns
 * it; the revision moves at every change so running versions are replaced.
 */
export const appSecrets = pgTable(
  'app_secrets',
  {
    id: text('id').primaryKey(),
    appId: text('app_id')
      .notNull()
      .references(() => apps.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    sealedValue: bytea('sealed_value').notNull(),
    revision: integer('revision').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    /** Who set it last: the principal's actor id. */
    updatedBy: text('updated_by'),
  },
  (t) => [
    uniqueIndex('app_secrets_app_name_key').on(t.appId, t.name),
    index('app_secrets_app_idx').on(t.appId),
  ],
);

export type AppSecretRow = typeof appSecrets.$inferSelect;
