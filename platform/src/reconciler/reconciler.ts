import { and, eq, inArray, sql } from 'drizzle-orm';
import { collectUnreferencedArtifacts } from '../artifacts/gc.ts';
import type { Database } from '../db/database.ts';
import {
  type AppRow,
  appSecrets,
  apps,
  type DeploymentRow,
  deployments,
  ministries,
  quotas,
} from '../db/schema/index.ts';
import type { ClusterDriver, DriverWatchEvent, ObservedVersion, Watch } from '../drivers/driver.ts';
import { quotaFor } from '../quotas/quota.ts';
import { observedColumns, recordEvent, writeObserved } from './observations.ts';
import {
  type ArtifactLocator,
  ministrySpec,
  type SecretsLocator,
  type SpecLocators,
  versionSpec,
} from './version-spec.ts';
import { WorkQueue } from './work-queue.ts';

export interface ReconcilerOptions {
  db: Database;
  driver: ClusterDriver;
  locateArtifact: ArtifactLocator;
  /** Where a version's secrets are read from, with that version's capability. */
  locateSecrets: SecretsLocator;
  /** CPU each app instance may use, in thousandths of a core. */
  appCpuMillicores?: number;
  /** Citizen hosts are `<app>.<ministry>.<base domain>`: drivers that publish routes need it. */
  baseDomain?: string;
  /** Called after the live version of an app changed, before the old one is removed. */
  onRoutesChanged?: () => Promise<void>;
  log?: (entry: Record<string, unknown>) => void;
}

/** Half a core per instance unless configured (GOV_APP_CPU_MILLICORES). */
export const DEFAULT_APP_CPU_MILLICORES = 500;

/** How often unreferenced artifacts are collected. */
const GC_INTERVAL_MS = 60 * 60_000;

/** Statuses of versions the reconciler still acts on; the others are final. */
const ACTIVE: DeploymentRow['status'][] = ['pending', 'starting', 'ready', 'degraded'];

/**
 * Level-triggered: given an app id, re-read desired state from the database
 * and observed state from the driver, converge, record status. It never
 * trusts what triggered it, so running it twice, or after a crash, is safe.
 *
 * It only applies and observes: `driver.apply` returns at once, and the
 * driver's watch brings the app back here when something changed. A version
 * goes live only if it is still the desired one at that moment (a
 * compare-and-set on the app row), so a slow v2 never replaces a v4.
 */
export class Reconciler {
  readonly #db: Database;
  readonly #driver: ClusterDriver;
  readonly #options: ReconcilerOptions;
  readonly #queue: WorkQueue;
  /** Generation of each ministry's spec last applied, so it is applied once per change. */
  readonly #ministryApplied = new Map<string, string>();
  #resyncTimer: NodeJS.Timeout | undefined;
  #watch: Watch | undefined;
  #observed = new Map<string, ObservedVersion>();
  #observedAt = 0;
  readonly #cpu: number;
  readonly #locators: SpecLocators;
  #gcAt = 0;

  constructor(options: ReconcilerOptions) {
    this.#db = options.db;
    this.#driver = options.driver;
    this.#options = options;
    this.#cpu = options.appCpuMillicores ?? DEFAULT_APP_CPU_MILLICORES;
    this.#locators = { artifact: options.locateArtifact, secrets: options.locateSecrets };
    this.#queue = new WorkQueue(
      (appId) => this.reconcile(appId),
      (appId, error) =>
        this.#log({ level: 'error', appId, message: `reconcile failed: ${error.message}` }),
    );
  }

  /** Ask for an app to be reconciled soon; coalesces repeated asks. */
  enqueue(appId: string): void {
    this.#queue.add(appId);
  }

  /** Resolves once everything enqueued so far has been reconciled. */
  idle(): Promise<void> {
    return this.#queue.idle();
  }

  /** Follows the driver's watch: every change brings its app back here. */
  watchDriver(): void {
    this.#watch = this.#driver.watch((event) => this.#onDriverEvent(event));
  }

  /** Every app in the database and every version the driver runs: at boot and on resync. */
  async reconcileAll(): Promise<void> {
    await this.#collectGarbage();
    const rows = await this.#db.select({ id: apps.id }).from(apps);
    const observed = await this.#refreshObserved();
    for (const id of new Set([...rows.map((r) => r.id), ...observed.map((o) => o.appId)])) {
      this.enqueue(id);
    }
    await this.idle();
  }

  /** A watch gives speed; this periodic resync gives correctness. */
  startResync(intervalMs: number): void {
    this.#resyncTimer = setInterval(() => {
      this.reconcileAll().catch((error: Error) =>
        this.#log({ level: 'warn', message: `resync failed: ${error.message}` }),
      );
    }, intervalMs);
    this.#resyncTimer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#resyncTimer);
    this.#watch?.close();
    await this.#queue.close();
  }

  async reconcile(appId: string): Promise<void> {
    // Versions before the app row: a version created in between is then simply
    // absent here (the next reconcile sees it), never mistaken for a stale one.
    const versions = await this.#db.select().from(deployments).where(eq(deployments.appId, appId));
    const [app] = await this.#db.select().from(apps).where(eq(apps.id, appId)).limit(1);
    const observed = (await this.#refreshObserved()).filter((o) => o.appId === appId);
    if (!app) {
      // Deleted: citizens stop being routed to it first, then nothing of it may keep running.
      if (observed.length > 0) await this.#options.onRoutesChanged?.();
      for (const o of observed) await this.#driver.remove(o.deploymentId);
      return;
    }
    const [ministry] = await this.#db
      .select()
      .from(ministries)
      .where(eq(ministries.id, app.ministryId))
      .limit(1);
    if (!ministry) return;
    await this.#applyMinistry(ministry);

    const secrets = await this.#db
      .select({ name: appSecrets.name, revision: appSecrets.revision })
      .from(appSecrets)
      .where(eq(appSecrets.appId, app.id));
    const byId = new Map(versions.map((d) => [d.id, d]));
    const observedById = new Map(observed.map((o) => [o.deploymentId, o]));
    const desired = app.desiredDeploymentId ? byId.get(app.desiredDeploymentId) : undefined;
    let liveId = app.liveDeploymentId;
    const keep = new Set<string>();

    if (desired && desired.status !== 'failed') {
      keep.add(desired.id);
      const spec = versionSpec(ministry, app, desired, this.#locators, this.#cpu, secrets);
      const seen = observedById.get(desired.id);
      if (seen?.generation !== spec.generation) await this.#driver.apply(spec);
      const columns = observedColumns(desired, seen, spec.generation);
      await writeObserved(this.#db, desired, columns);
      if (
        columns.status === 'ready' &&
        liveId !== desired.id &&
        (await this.#promote(app, desired))
      ) {
        liveId = desired.id;
      }
    }

    // The live version keeps serving whatever happened to the desired one.
    const live = liveId ? byId.get(liveId) : undefined;
    if (live && live.id !== desired?.id) {
      keep.add(live.id);
      const spec = versionSpec(ministry, app, live, this.#locators, this.#cpu, secrets);
      const seen = observedById.get(live.id);
      if (seen?.generation !== spec.generation) await this.#driver.apply(spec);
      await writeObserved(this.#db, live, observedColumns(live, seen, spec.generation));
    }

    for (const o of observed) {
      if (!keep.has(o.deploymentId)) await this.#driver.remove(o.deploymentId);
    }
    await this.#retire(versions, keep, desired);
    const liveNow = liveId ? byId.get(liveId) : undefined;
    await this.#driver.publishRoute?.({
      ministry: ministry.name,
      ministryId: ministry.id,
      app: app.name,
      appId: app.id,
      host: `${app.name}.${ministry.name}.${this.#options.baseDomain ?? 'localhost'}`,
      live: liveNow ? { deploymentId: liveNow.id, version: liveNow.version } : null,
    });
  }

  /**
   * Makes `desired` live only if it is still the desired version: a
   * compare-and-set on what this reconcile read, so a deploy or rollback made
   * meanwhile is never overtaken by a slower, older version.
   */
  async #promote(app: AppRow, desired: DeploymentRow): Promise<boolean> {
    const promoted = await this.#db
      .update(apps)
      .set({ liveDeploymentId: desired.id })
      .where(and(eq(apps.id, app.id), eq(apps.desiredDeploymentId, desired.id)))
      .returning({ id: apps.id });
    if (promoted.length === 0) return false;
    this.#log({
      level: 'info',
      appId: app.id,
      deploymentId: desired.id,
      message: 'version is live',
    });
    await this.#options.onRoutesChanged?.();
    return true;
  }

  /** Versions neither desired nor live: stopped if they served, superseded if they never did. */
  async #retire(versions: DeploymentRow[], keep: Set<string>, desired: DeploymentRow | undefined) {
    const retired = versions.filter((d) => !keep.has(d.id) && ACTIVE.includes(d.status));
    const stopped = retired.filter((d) => d.readyAt !== null).map((d) => d.id);
    const superseded = retired.filter((d) => d.readyAt === null).map((d) => d.id);
    const now = new Date();
    const idle = { statusDetail: null, conditions: [], readyInstances: 0, statusAt: now };
    // Compare-and-set: never retire a version that became desired or live meanwhile.
    const notWanted = sql`not exists (select 1 from ${apps} where ${apps.desiredDeploymentId} = ${deployments.id} or ${apps.liveDeploymentId} = ${deployments.id})`;
    if (stopped.length > 0) {
      await this.#db
        .update(deployments)
        .set({ status: 'stopped', statusReason: null, ...idle })
        .where(
          and(inArray(deployments.id, stopped), inArray(deployments.status, ACTIVE), notWanted),
        );
    }
    if (superseded.length > 0) {
      const by = desired ? `version ${desired.version}` : 'a newer version';
      await this.#db
        .update(deployments)
        .set({
          status: 'superseded',
          statusReason: `${by} was asked for before this one went live`,
          ...idle,
        })
        .where(
          and(inArray(deployments.id, superseded), inArray(deployments.status, ACTIVE), notWanted),
        );
    }
  }

  async #applyMinistry(ministry: typeof ministries.$inferSelect): Promise<void> {
    const [quota] = await this.#db
      .select()
      .from(quotas)
      .where(eq(quotas.ministryId, ministry.id))
      .limit(1);
    const spec = ministrySpec(ministry, quota ?? (await quotaFor(this.#db, ministry.id)));
    const key = JSON.stringify(spec);
    if (this.#ministryApplied.get(ministry.id) === key) return;
    await this.#driver.applyMinistry(spec);
    this.#ministryApplied.set(ministry.id, key);
  }

  /** Observed state, read from the driver at most once per reconcile burst. */
  async #refreshObserved(): Promise<ObservedVersion[]> {
    if (Date.now() - this.#observedAt > 20) {
      const list = await this.#driver.list();
      this.#observed = new Map(list.map((o) => [o.deploymentId, o]));
      this.#observedAt = Date.now();
    }
    return [...this.#observed.values()];
  }

  /** Now and then (the leader only runs this): storage nothing references any more. */
  async #collectGarbage(): Promise<void> {
    if (Date.now() - this.#gcAt < GC_INTERVAL_MS) return;
    this.#gcAt = Date.now();
    const removed = await collectUnreferencedArtifacts(this.#db).catch(() => 0);
    if (removed > 0)
      this.#log({ level: 'info', message: `removed ${removed} unreferenced artifact(s)` });
  }

  #onDriverEvent(event: DriverWatchEvent): void {
    if (event.kind === 'resync') {
      this.#observedAt = 0;
      void this.reconcileAll().catch(() => {});
      return;
    }
    if (event.kind === 'version') {
      this.#observed.set(event.version.deploymentId, event.version);
      this.enqueue(event.version.appId);
      return;
    }
    if (event.kind === 'deleted') {
      this.#observed.delete(event.deploymentId);
      this.enqueue(event.appId);
      return;
    }
    recordEvent(this.#db, event.event).catch((error: Error) =>
      this.#log({ level: 'warn', message: `event not recorded: ${error.message}` }),
    );
  }

  #log(entry: Record<string, unknown>) {
    this.#options.log?.({ component: 'reconciler', ...entry });
  }
}
