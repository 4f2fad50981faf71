import { bigint, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Append-only, hash-chained record of every change. Each record carries the
 * hash of the one before it, so rewriting or removing any record breaks the
 * chain from there on. The database itself refuses UPDATE and DELETE on this
 * table (trigger in migration 0001), whatever the application code does.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    /** Chain position, assigned under the chain lock: part of the hash, so a gap shows. */
    seq: bigint('seq', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    /** Who acted: a token, a staff member, the platform itself, or nobody we could identify. */
    actorType: text('actor_type').$type<'token' | 'member' | 'system' | 'anonymous'>().notNull(),
    actorId: text('actor_id').notNull(),
    /** Verb in the form resource.verb, like "deployment.create". */
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id'),
    ministryId: text('ministry_id'),
    sourceIp: text('source_ip'),
    tokenId: text('token_id'),
    outcome: text('outcome').$type<'success' | 'denied' | 'failure'>().notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    index('audit_log_ministry_idx').on(t.ministryId, t.seq),
    index('audit_log_at_idx').on(t.at),
  ],
);

export type AuditRecordRow = typeof auditLog.$inferSelect;
