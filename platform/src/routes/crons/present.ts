import type { CronRunRow } from '../../db/schema/index.ts';

/** One run of a cron trigger, as the API shows it. */
export interface CronRunResource {
  id: string;
  cron: string;
  trigger: 'schedule' | 'manual';
  deploymentId: string;
  scheduledAt: string;
  startedAt: string;
  finishedAt: string | null;
  /** ok, exception, no_handler, timeout, unavailable; null while it runs. */
  outcome: string | null;
  message: string | null;
  durationMs: number | null;
}

export function presentCronRun(row: CronRunRow): CronRunResource {
  return {
    id: row.id,
    cron: row.cron,
    trigger: row.trigger,
    deploymentId: row.deploymentId,
    scheduledAt: row.scheduledAt.toISOString(),
    startedAt: row.startedAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
    outcome: row.outcome,
    message: row.message,
    durationMs: row.durationMs,
  };
}
