import type { AppResource, DeploymentResource, MinistryResource } from '@gov/contract';
import { eq, inArray } from 'drizzle-orm';
import type { PlatformConfig } from '../config.ts';
import type { Database } from '../db/database.ts';
import {
  type AppRow,
  artifacts,
  type DeploymentRow,
  deployments,
  type MinistryRow,
} from '../db/schema/index.ts';
import { citizenUrl } from '../gateway/hosts.ts';

export function presentMinistry(row: MinistryRow): MinistryResource {
  return {
    id: row.id,
    name: row.name,
    displayName: row.displayName,
    createdAt: row.createdAt.toISOString(),
  };
}

export async function presentApps(
  db: Database,
  config: PlatformConfig,
  ministry: MinistryRow,
  rows: AppRow[],
): Promise<AppResource[]> {
  const ids = rows
    .flatMap((r) => [r.desiredDeploymentId, r.liveDeploymentId])
    .filter((id): id is string => id !== null);
  const versions = new Map<string, number>();
  if (ids.length > 0) {
    const found = await db
      .select({ id: deployments.id, version: deployments.version })
      .from(deployments)
      .where(inArray(deployments.id, ids));
    for (const d of found) versions.set(d.id, d.version);
  }
  const versionOf = (id: string | null) => (id ? (versions.get(id) ?? null) : null);
  return rows.map((row) => ({
    id: row.id,
    ministry: ministry.name,
    name: row.name,
    url: citizenUrl(config, ministry.name, row.name),
    desiredVersion: versionOf(row.desiredDeploymentId),
    liveVersion: versionOf(row.liveDeploymentId),
    createdAt: row.createdAt.toISOString(),
  }));
}

export async function presentDeployments(
  db: Database,
  ministry: MinistryRow,
  app: AppRow,
  rows: DeploymentRow[],
): Promise<DeploymentResource[]> {
  const shas = [...new Set(rows.map((r) => r.artifactSha256))];
  const sizes = new Map<string, number>();
  if (shas.length > 0) {
    const found = await db
      .select({ sha256: artifacts.sha256, bundleBytes: artifacts.bundleBytes })
      .from(artifacts)
      .where(inArray(artifacts.sha256, shas));
    for (const a of found) sizes.set(a.sha256, a.bundleBytes);
  }
  return rows.map((row) => ({
    id: row.id,
    app: app.name,
    ministry: ministry.name,
    version: row.version,
    status: row.status,
    statusReason: row.statusReason,
    statusDetail: row.statusDetail,
    conditions: row.conditions,
    instances: { desired: row.instances, ready: row.readyInstances },
    createdBy: row.createdBy,
    live: app.liveDeploymentId === row.id,
    desired: app.desiredDeploymentId === row.id,
    artifact: { sha256: row.artifactSha256, bundleBytes: sizes.get(row.artifactSha256) ?? 0 },
    compatibilityDate: row.compatibilityDate,
    createdAt: row.createdAt.toISOString(),
    readyAt: row.readyAt?.toISOString() ?? null,
  }));
}

export async function presentDeployment(
  db: Database,
  ministry: MinistryRow,
  app: AppRow,
  row: DeploymentRow,
): Promise<DeploymentResource> {
  const [resource] = await presentDeployments(db, ministry, app, [row]);
  if (!resource) throw new Error('presentDeployments returned nothing for one row');
  return resource;
}

export async function reloadDeployment(
  db: Database,
  id: string,
): Promise<DeploymentRow | undefined> {
  const [row] = await db.select().from(deployments).where(eq(deployments.id, id)).limit(1);
  return row;
}
