import { integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { bytea } from './bytea.ts';

/**
 * Uploaded code, content-addressed by the sha256 of its canonical form, so
 * the same bundle deployed twice is stored once and can never change under
 * a deployment that references it. Kept in the database so a restart, or a
 * second control-plane replica, sees exactly the same bytes.
 */
export const artifacts = pgTable('artifacts', {
  sha256: text('sha256').primaryKey(),
  /** Decoded size of the modules: what the bundle size cap measures. */
  bundleBytes: integer('bundle_bytes').notNull(),
  /** Canonical JSON of { mainModule, modules } as UTF-8. */
  content: bytea('content').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export type ArtifactRow = typeof artifacts.$inferSelect;
