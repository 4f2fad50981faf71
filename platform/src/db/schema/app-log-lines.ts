import { index, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { apps } from './apps.ts';

/**
 * An app's log lines on a cluster (`gov logs`), kept by the control plane
 * for the retention period: the kubelet keeps a pod's output only while the
 * pod exists, and a new version removes the old one's pods. The embedded
 * default keeps them in files under the data directory instead
 * (drivers/local/agent/log-store.ts). One app's lines, never another's: the
 * app is part of the key.
 */
export const appLogLines = pgTable(
  'app_log_lines',
  {
    appId: text('app_id')
      .notNull()
      .references(() => apps.id, { onDelete: 'cascade' }),
    /** Sortable, from the line's time (see drivers/kubernetes/pod-logs.ts): a line stored twice is one row. */
    lineId: text('line_id').notNull(),
    /** The version that wrote or served it (no reference: logs outlive pruned versions). */
    deploymentId: text('deployment_id').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    kind: text('kind').$type<'console' | 'exception' | 'request' | 'platform'>().notNull(),
    stream: text('stream').$type<'stdout' | 'stderr'>(),
    message: text('message').notNull(),
    request: jsonb('request').$type<{
      method: string;
      path: string;
      status: number;
      durationMs: number;
      requestId: string;
    }>(),
  },
  (t) => [
    primaryKey({ columns: [t.appId, t.lineId] }),
    index('app_log_lines_at_idx').on(t.appId, t.at),
  ],
);
