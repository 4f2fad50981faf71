import type { DeploymentCondition, DeploymentStatus } from '@gov/contract';
import { and, desc, eq, lt } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import { safeText } from '../db/safe-text.ts';
import { type DeploymentRow, deploymentEvents, deployments } from '../db/schema/index.ts';
import type { ObservedVersion, VersionEvent } from '../drivers/driver.ts';

/** The observed columns of a deployment row, as the reconciler computes them. */
export interface ObservedColumns {
  status: DeploymentStatus;
  statusReason: string | null;
  statusDetail: string | null;
  conditions: DeploymentCondition[];
  readyInstances: number;
}

const condition = (o: ObservedVersion | undefined, type: DeploymentCondition['type']) =>
  o?.conditions.find((c) => c.type === type);

/**
 * What a kept version's status is, given what the driver observes. A version
 * that served before and is not available now is `degraded` (retried), never
 * `failed`: failed is the verdict on a version that never became ready.
 */
export function observedColumns(
  d: DeploymentRow,
  observed: ObservedVersion | undefined,
  generation: string,
): ObservedColumns {
  const servedBefore = d.readyAt !== null;
  const conditions = observed?.conditions ?? [];
  const readyInstances = observed?.instances.ready ?? 0;
  const available = condition(observed, 'Available');
  const failed = condition(observed, 'Failed');
  if (!observed) {
    return {
      status: servedBefore ? 'degraded' : d.status === 'pending' ? 'pending' : 'starting',
      statusReason: servedBefore ? 'not running on the cluster; starting it again' : null,
      statusDetail: null,
      conditions,
      readyInstances,
    };
  }
  if (available?.status) {
    return { status: 'ready', statusReason: null, statusDetail: null, conditions, readyInstances };
  }
  const why = failed?.status ? failed : (condition(observed, 'Progressing') ?? available);
  const reason = why?.message ?? null;
  if (failed?.status && !servedBefore && observed.generation === generation) {
    return {
      status: 'failed',
      statusReason: reason,
      statusDetail: observed.detail,
      conditions,
      readyInstances,
    };
  }
  return {
    status: servedBefore ? 'degraded' : 'starting',
    statusReason: reason,
    statusDetail: observed.detail,
    conditions,
    readyInstances,
  };
}

/** Writes the observed columns when they changed; returns true if it wrote. */
export async function writeObserved(
  db: Database,
  d: DeploymentRow,
  next: ObservedColumns,
): Promise<boolean> {
  const statusReason = next.statusReason === null ? null : safeText(next.statusReason, 1_000);
  const statusDetail = next.statusDetail === null ? null : safeText(next.statusDetail);
  const conditions = next.conditions.map((c) => ({
    ...c,
    message: c.message === null ? null : safeText(c.message, 1_000),
  }));
  const same =
    d.status === next.status &&
    d.statusReason === statusReason &&
    d.statusDetail === statusDetail &&
    d.readyInstances === next.readyInstances &&
    JSON.stringify(d.conditions) === JSON.stringify(conditions);
  if (same) return false;
  const now = new Date();
  const becameReady = next.status === 'ready' && !d.readyAt;
  await db
    .update(deployments)
    .set({
      status: next.status,
      statusReason,
      statusDetail,
      conditions,
      readyInstances: next.readyInstances,
      ...(d.status !== next.status ? { statusAt: now } : {}),
      ...(becameReady ? { readyAt: now } : {}),
    })
    .where(eq(deployments.id, d.id));
  Object.assign(d, { status: next.status, statusReason, statusDetail, conditions });
  d.readyInstances = next.readyInstances;
  if (becameReady) d.readyAt = now;
  return true;
}

/** Repeats of the same event within this window fold into one row. */
const FOLD_WINDOW_MS = 10 * 60_000;
/** Events kept per deployment; older ones are dropped. */
const KEEP_EVENTS = 200;
let inserted = 0;

/** Records what the driver said happened, folding a repeat into the previous row. */
export async function recordEvent(db: Database, event: VersionEvent): Promise<void> {
  const message = safeText(event.message, 1_000);
  const at = new Date(event.at);
  const [last] = await db
    .select()
    .from(deploymentEvents)
    .where(eq(deploymentEvents.deploymentId, event.deploymentId))
    .orderBy(desc(deploymentEvents.id))
    .limit(1);
  if (last && last.type === event.type && at.getTime() - last.at.getTime() < FOLD_WINDOW_MS) {
    await db
      .update(deploymentEvents)
      .set({ count: last.count + 1, at, message })
      .where(eq(deploymentEvents.id, last.id));
    return;
  }
  const exists = await db
    .select({ id: deployments.id })
    .from(deployments)
    .where(eq(deployments.id, event.deploymentId))
    .limit(1);
  if (exists.length === 0) return;
  await db
    .insert(deploymentEvents)
    .values({ deploymentId: event.deploymentId, at, type: event.type, message });
  inserted += 1;
  if (inserted % 50 === 0) await trimEvents(db, event.deploymentId);
}

async function trimEvents(db: Database, deploymentId: string): Promise<void> {
  const [cut] = await db
    .select({ id: deploymentEvents.id })
    .from(deploymentEvents)
    .where(eq(deploymentEvents.deploymentId, deploymentId))
    .orderBy(desc(deploymentEvents.id))
    .offset(KEEP_EVENTS)
    .limit(1);
  if (!cut) return;
  await db
    .delete(deploymentEvents)
    .where(
      and(eq(deploymentEvents.deploymentId, deploymentId), lt(deploymentEvents.id, cut.id + 1)),
    );
}
