import { canonicalJson, sha256Hex } from '@gov/contract';
import { denyAllEgress } from '@gov/runtime';
import type { AppRow, DeploymentRow, MinistryRow, QuotaRow } from '../db/schema/index.ts';
import type { MinistrySpec, VersionSpec } from '../drivers/driver.ts';

/** How a driver reaches the control plane's artifact route for a digest. */
export type ArtifactLocator = (sha256: string) => { url: string; token: string };
/** How a runtime reaches the control plane's route for one version's secrets. */
export type SecretsLocator = (deploymentId: string) => { url: string; token: string };

/** Where a version's parts are read from: the control plane's internal routes. */
export interface SpecLocators {
  artifact: ArtifactLocator;
  secrets: SecretsLocator;
}

/** An app secret as desired state knows it: its name and how often it changed. */
export interface SecretRevision {
  name: string;
  revision: number;
}

/**
 * Desired state for one version, from the database rows alone. The
 * generation is a digest of everything that shapes what runs (not the
 * capability tokens), so re-applying an unchanged spec is a no-op for every
 * driver, and any change (a secret set again) is seen as a new generation.
 */
export function versionSpec(
  ministry: MinistryRow,
  app: AppRow,
  deployment: DeploymentRow,
  locate: SpecLocators,
  cpuMillicores: number,
  secrets: SecretRevision[],
): VersionSpec {
  const { url, token } = locate.artifact(deployment.artifactSha256);
  const sortedSecrets = [...secrets].sort((a, b) => a.name.localeCompare(b.name));
  const secretsDigest = sha256Hex(new TextEncoder().encode(canonicalJson(sortedSecrets))).slice(
    0,
    16,
  );
  const shape = {
    deploymentId: deployment.id,
    appId: app.id,
    ministryId: ministry.id,
    ministry: ministry.name,
    app: app.name,
    version: deployment.version,
    compatibilityDate: deployment.compatibilityDate,
    compatibilityFlags: deployment.compatibilityFlags,
    vars: deployment.vars,
    bindings: deployment.bindings,
    instances: deployment.instances,
    memoryMib: deployment.memoryMib,
    cpuMillicores,
    egress: denyAllEgress,
    healthPath: deployment.healthPath,
  };
  const generation = sha256Hex(
    new TextEncoder().encode(
      canonicalJson({
        ...shape,
        artifact: deployment.artifactSha256,
        ...(secrets.length > 0 ? { secrets: secretsDigest } : {}),
        // Only when set: versions without triggers keep the generation they always had.
        ...(deployment.crons.length > 0 ? { crons: deployment.crons } : {}),
        ...(deployment.services.length > 0 ? { services: deployment.services } : {}),
        ...(deployment.durableObjects.length > 0
          ? { durableObjects: deployment.durableObjects }
          : {}),
      }),
    ),
  ).slice(0, 16);
  return {
    ...shape,
    crons: deployment.crons,
    services: deployment.services,
    durableObjects: deployment.durableObjects,
    generation,
    artifact: { sha256: deployment.artifactSha256, url, token },
    secrets:
      secrets.length === 0
        ? null
        : {
            names: sortedSecrets.map((s) => s.name),
            digest: secretsDigest,
            ...locate.secrets(deployment.id),
          },
    // Not part of the generation: it flips when the version first becomes
    // ready, and a driver that ran it already knows.
    servedBefore: deployment.readyAt !== null,
  };
}

export function ministrySpec(ministry: MinistryRow, quota: QuotaRow): MinistrySpec {
  return {
    ministryId: ministry.id,
    ministry: ministry.name,
    quota: {
      maxApps: quota.maxApps,
      maxMemoryMibPerApp: quota.maxMemoryMibPerApp,
      maxInstancesPerApp: quota.maxInstancesPerApp,
      maxKvBytes: quota.maxKvBytes,
    },
    egress: denyAllEgress,
  };
}
