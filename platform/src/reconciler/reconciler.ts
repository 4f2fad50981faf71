import { decodeModules, denyAllEgress } from '@gov/runtime';
import { eq } from 'drizzle-orm';
import { getArtifact } from '../artifacts/store.ts';
import type { Database } from '../db/database.ts';
import { type AppRow, apps, type DeploymentRow, deployments } from '../db/schema/index.ts';
import type { ClusterDriver, VersionSpec } from '../drivers/driver.ts';
import type { DeploymentStatus } from '../routes/resources.ts';
import { WorkQueue } from './work-queue.ts';

export interface ReconcilerOptions {
  db: Database;
  driver: ClusterDriver;
  /** Called after the live version of an app changed, before the old one is stopped. */
  onLiveChanged?: (appId: string) => Promise<void>;
  log?: (entry: Record<string, unknown>) => void;
}

/**
 * Level-triggered: given an app id, re-read desired state from the database
 * and observed state from the driver, converge, record status. It never
 * trusts what triggered it, so running it twice, or after a crash, is safe.
 */
export class Reconciler {
  readonly #db: Database;
  readonly #driver: ClusterDriver;
  readonly #options: ReconcilerOptions;
  readonly #queue: WorkQueue;
  #resyncTimer: NodeJS.Timeout | undefined;

  constructor(options: ReconcilerOptions) {
    this.#db = options.db;
    this.#driver = options.driver;
    this.#options = options;
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

  /** Every app in the database and every version the driver runs: used at boot and on resync. */
  async reconcileAll(): Promise<void> {
    const rows = await this.#db.select({ id: apps.id }).from(apps);
    const observed = await this.#driver.list();
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
    await this.#queue.close();
  }

  async reconcile(appId: string): Promise<void> {
    const [app] = await this.#db.select().from(apps).where(eq(apps.id, appId)).limit(1);
    const running = (await this.#driver.list()).filter((o) => o.appId === appId);
    if (!app) {
      // Deleted: citizens stop being routed to it first, then nothing of it may keep running.
      await this.#options.onLiveChanged?.(appId);
      await Promise.all(running.map((o) => this.#driver.remove(o.deploymentId)));
      return;
    }
    const versions = await this.#db.select().from(deployments).where(eq(deployments.appId, appId));
    const byId = new Map(versions.map((d) => [d.id, d]));
    const desired = app.desiredDeploymentId ? byId.get(app.desiredDeploymentId) : undefined;
    let liveId = app.liveDeploymentId;

    if (desired && desired.status !== 'failed') {
      const ready = await this.#bringUp(app, desired);
      if (ready && liveId !== desired.id) {
        await this.#db.update(apps).set({ liveDeploymentId: desired.id }).where(eq(apps.id, appId));
        liveId = desired.id;
        await this.#options.onLiveChanged?.(appId);
      }
    }
    // The live version keeps serving whatever happened to the desired one.
    const live = liveId ? byId.get(liveId) : undefined;
    if (live && live.id !== desired?.id) await this.#bringUp(app, live);

    const keep = new Set([liveId, desired?.status === 'failed' ? undefined : desired?.id]);
    for (const o of running) {
      if (!keep.has(o.deploymentId)) await this.#driver.remove(o.deploymentId);
    }
    for (const d of versions) {
      if (!keep.has(d.id) && (d.status === 'ready' || d.status === 'starting')) {
        await this.#setStatus(d, 'stopped', null);
      }
    }
  }

  /** Starts a version if the driver does not run it; records the outcome. True when ready. */
  async #bringUp(app: AppRow, deployment: DeploymentRow): Promise<boolean> {
    const observed = (await this.#driver.list()).find((o) => o.deploymentId === deployment.id);
    if (observed && deployment.status === 'ready') return true;
    if (deployment.status !== 'starting') await this.#setStatus(deployment, 'starting', null);
    try {
      await this.#driver.ensure(await this.#specFor(app, deployment));
      await this.#setStatus(deployment, 'ready', null);
      return true;
    } catch (error) {
      const reason = (error as Error).message;
      this.#log({ level: 'warn', appId: app.id, deploymentId: deployment.id, message: reason });
      await this.#setStatus(deployment, 'failed', reason);
      return false;
    }
  }

  async #specFor(app: AppRow, deployment: DeploymentRow): Promise<VersionSpec> {
    const artifact = await getArtifact(this.#db, deployment.artifactSha256);
    return {
      deploymentId: deployment.id,
      appId: app.id,
      ministryId: app.ministryId,
      mainModule: artifact.mainModule,
      modules: decodeModules(artifact),
      compatibilityDate: deployment.compatibilityDate,
      compatibilityFlags: deployment.compatibilityFlags,
      vars: deployment.vars,
      egress: denyAllEgress,
      memoryMib: deployment.memoryMib,
    };
  }

  async #setStatus(d: DeploymentRow, status: DeploymentStatus, reason: string | null) {
    const now = new Date();
    await this.#db
      .update(deployments)
      .set({
        status,
        statusReason: reason,
        statusAt: now,
        ...(status === 'ready' && !d.readyAt ? { readyAt: now } : {}),
      })
      .where(eq(deployments.id, d.id));
    d.status = status;
  }

  #log(entry: Record<string, unknown>) {
    this.#options.log?.({ component: 'reconciler', ...entry });
  }
}
