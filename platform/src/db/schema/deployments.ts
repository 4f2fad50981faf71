import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { DeploymentStatus } from '../../routes/resources.ts';
import { apps } from './apps.ts';
import { artifacts } from './artifacts.ts';

/**
 * An immutable version of an app: its code (an artifact) and settings never
 * change after insert. Only the observed columns (status, statusReason,
 * statusAt, readyAt) move, and only the reconciler writes them.
 */
export const deployments = pgTable(
  'deployments',
  {
    id: text('id').primaryKey(),
    appId: text('app_id')
      .notNull()
      .references(() => apps.id, { onDelete: 'cascade' }),
    version: integer('version').notNull(),
    artifactSha256: text('artifact_sha256')
      .notNull()
      .references(() => artifacts.sha256, { onDelete: 'restrict' }),
    compatibilityDate: text('compatibility_date').notNull(),
    compatibilityFlags: jsonb('compatibility_flags').$type<string[]>().notNull(),
    vars: jsonb('vars').$type<Record<string, string>>().notNull(),
    /** Resources the version asked for, checked against the ministry's quota. */
    memoryMib: integer('memory_mib').notNull().default(128),
    instances: integer('instances').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** Observed status, see DeploymentStatus. */
    status: text('status').$type<DeploymentStatus>().notNull().default('pending'),
    statusReason: text('status_reason'),
    statusAt: timestamp('status_at', { withTimezone: true }).notNull().defaultNow(),
    readyAt: timestamp('ready_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('deployments_app_version_key').on(t.appId, t.version),
    index('deployments_app_idx').on(t.appId),
  ],
);

export type DeploymentRow = typeof deployments.$inferSelect;
