import type { DeploymentCondition, DeploymentStatus } from '@gov/contract';
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { apps } from './apps.ts';
import { artifacts } from './artifacts.ts';

/**
 * An immutable version of an app: its code (an artifact) and settings never
 * change after insert. Only the observed columns (status and the ones after
 * it) move, and only the reconciler writes them.
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
    /** Platform services bound into the version (a KV namespace…), by name. */
    bindings: jsonb('bindings')
      .$type<Array<{ kind: 'kv' | 'd1' | 'r2'; name: string }>>()
      .notNull()
      .default([]),
    /** Durable Object classes bound into the version, with their kind of storage. */
    durableObjects: jsonb('durable_objects')
      .$type<Array<{ name: string; className: string; sql: boolean }>>()
      .notNull()
      .default([]),
    /** Service bindings: other apps of the same ministry, by binding name and app slug. */
    services: jsonb('services').$type<Array<{ name: string; app: string }>>().notNull().default([]),
    /** Cron triggers (`triggers.crons`, UTC): the scheduler fires the version's handler on them. */
    crons: jsonb('crons').$type<string[]>().notNull().default([]),
    /** Resources the version asked for, checked against the ministry's quota. */
    memoryMib: integer('memory_mib').notNull().default(128),
    instances: integer('instances').notNull().default(1),
    /** The app's declared health path (`gov.healthPath`), probed for readiness. */
    healthPath: text('health_path'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** Who deployed it: the principal's actor id. */
    createdBy: text('created_by'),
    /** The client's Idempotency-Key: a retried upload finds this version instead of making another. */
    idempotencyKey: text('idempotency_key'),
    /** sha256 of the request a key was first used with: the same key with another bundle is refused. */
    requestSha256: text('request_sha256'),
    /** Observed status, see DeploymentStatus. */
    status: text('status').$type<DeploymentStatus>().notNull().default('pending'),
    statusReason: text('status_reason'),
    statusAt: timestamp('status_at', { withTimezone: true }).notNull().defaultNow(),
    readyAt: timestamp('ready_at', { withTimezone: true }),
    /** Full text behind statusReason (bounded, host paths removed), for `--verbose`. */
    statusDetail: text('status_detail'),
    /** The driver's conditions (Available, Progressing, Failed), as last observed. */
    conditions: jsonb('conditions').$type<DeploymentCondition[]>().notNull().default([]),
    readyInstances: integer('ready_instances').notNull().default(0),
  },
  (t) => [
    uniqueIndex('deployments_app_version_key').on(t.appId, t.version),
    uniqueIndex('deployments_app_idempotency_key').on(t.appId, t.idempotencyKey),
    index('deployments_app_idx').on(t.appId),
  ],
);

export type DeploymentRow = typeof deployments.$inferSelect;
