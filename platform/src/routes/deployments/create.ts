import {
  type BundleInput,
  bundleBytes,
  bundleSchema,
  canonicalJson,
  type DeploymentResource,
  sha256Hex,
} from '@gov/contract';
import { newestCompatibilityDate } from '@gov/runtime';
import { and, eq, inArray, max } from 'drizzle-orm';
import { putArtifact } from '../../artifacts/store.ts';
import { auditedChange } from '../../audit/middleware.ts';
import { access } from '../../auth/access.ts';
import { apps, type DeploymentRow, deployments } from '../../db/schema/index.ts';
import { ApiError } from '../../errors.ts';
import { defineRoute } from '../../http/route.ts';
import { parseJsonBody } from '../../http/validate.ts';
import { newId } from '../../ids.ts';
import { assertCanDeploy } from '../../quotas/quota.ts';
import { assertSecretsFit } from '../../secrets/deploy-check.ts';
import { appFromPath } from '../lookup.ts';
import { presentDeployment } from '../present.ts';
import { refuseUnprovided } from './unprovided.ts';

export type CreateDeploymentRequest = BundleInput;
export type CreateDeploymentResponse = DeploymentResource;

const MIB = 1024 * 1024;
const mib = (bytes: number) => `${(bytes / MIB).toFixed(1)} MiB`;

/** What a client may send as Idempotency-Key: one per `gov deploy`, e.g. a UUID. */
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{8,128}$/;

/**
 * Uploads a bundle and creates the next version of the app. The answer is
 * 202: the version is accepted, and the reconciler starts it; it goes live
 * only once it passes its readiness check.
 *
 * The artifact, the version, the new desired state and the audit record are
 * written in one transaction. With an `Idempotency-Key`, a retried upload
 * (the answer was lost, the control plane restarted) finds the version the
 * first attempt created instead of making a second one.
 */
export const createDeployment = defineRoute({
  method: 'post',
  path: '/v1/ministries/:ministry/apps/:app/deployments',
  access: access.developer,
  audit: 'deployment.create',
  handler: async (c) => {
    const db = c.get('db');
    const { maxBundleBytes } = c.get('config');
    const { ministry, app } = await appFromPath(c);
    const key = c.req.header('idempotency-key');
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
      throw new ApiError(
        'invalid_request',
        'the Idempotency-Key header must be 8 to 128 letters, digits or _.:-',
        'send a fresh random value (a UUID) per deployment',
      );
    }
    const tooLarge = (size?: number) =>
      new ApiError(
        'bundle_too_large',
        `the bundle is ${size === undefined ? 'larger than' : `${mib(size)}; over`} the limit of ${mib(maxBundleBytes)}`,
        'make it smaller: remove unused dependencies or large assets, then deploy again',
      );
    // base64 makes the upload 4/3 of the bundle, plus room for the manifest.
    const body = await parseJsonBody(c, bundleSchema, {
      maxBytes: Math.ceil((maxBundleBytes * 4) / 3) + 256 * 1024,
      tooLarge: () => tooLarge(),
      invalidCode: 'invalid_bundle',
    });
    const size = bundleBytes(body);
    if (size > maxBundleBytes) throw tooLarge(size);
    const newest = newestCompatibilityDate();
    if (body.compatibilityDate > newest) {
      throw new ApiError(
        'invalid_bundle',
        `compatibilityDate ${body.compatibilityDate} is newer than this platform's runtime supports (${newest})`,
        `set "compatibility_date" to ${newest} or earlier in the app's wrangler config`,
      );
    }
    refuseUnprovided(body, c.get('provides'));
    if (body.services.length > 0) {
      // As Workers does: a binding names a service that exists, here in the same ministry.
      const wanted = [...new Set(body.services.map((s) => s.app))];
      const found = await db
        .select({ name: apps.name })
        .from(apps)
        .where(and(eq(apps.ministryId, ministry.id), inArray(apps.name, wanted)));
      const missing = wanted.find((name) => !found.some((f) => f.name === name));
      if (missing !== undefined) {
        throw new ApiError(
          'invalid_bundle',
          `service binding to "${missing}": ministry ${ministry.name} has no app of that name`,
          `deploy ${missing} first, or correct "service" in the app config; a binding reaches apps of the same ministry only`,
        );
      }
    }
    const requestSha256 = sha256Hex(new TextEncoder().encode(canonicalJson(body)));

    const replay = async (tx: typeof db): Promise<DeploymentRow | undefined> => {
      if (key === undefined) return undefined;
      const [earlier] = await tx
        .select()
        .from(deployments)
        .where(and(eq(deployments.appId, app.id), eq(deployments.idempotencyKey, key)))
        .limit(1);
      if (earlier && earlier.requestSha256 !== requestSha256) {
        throw new ApiError(
          'conflict',
          `the Idempotency-Key "${key}" was already used for another bundle (version ${earlier.version})`,
          'use a new key for a new deployment',
        );
      }
      return earlier;
    };

    let replayed: DeploymentRow | undefined;
    const row = await auditedChange(c, 202, async (tx) => {
      // Serialise versions (and retries of one deploy) per app: lock the app row.
      const [locked] = await tx.select().from(apps).where(eq(apps.id, app.id)).for('update');
      if (!locked) throw new ApiError('not_found', `app "${app.name}" was deleted meanwhile`);
      replayed = await replay(tx);
      if (replayed) {
        return {
          result: replayed,
          target: {
            type: 'deployment',
            id: replayed.id,
            details: { app: app.name, version: replayed.version, replayed: true },
          },
        };
      }
      await assertCanDeploy(tx, ministry, { bundleBytes: size, ...body.limits });
      await assertSecretsFit(tx, app, body);
      const sha256 = await putArtifact(tx, body, size);
      const [last] = await tx
        .select({ version: max(deployments.version) })
        .from(deployments)
        .where(eq(deployments.appId, app.id));
      const [inserted] = await tx
        .insert(deployments)
        .values({
          id: newId('deployment'),
          appId: app.id,
          version: (last?.version ?? 0) + 1,
          artifactSha256: sha256,
          compatibilityDate: body.compatibilityDate,
          compatibilityFlags: body.compatibilityFlags,
          vars: body.vars,
          bindings: body.bindings,
          crons: body.triggers?.crons ?? [],
          services: body.services,
          durableObjects: body.durableObjects,
          memoryMib: body.limits.memoryMib,
          instances: body.limits.instances,
          healthPath: body.healthPath ?? null,
          createdBy: c.get('principal').actorId,
          idempotencyKey: key ?? null,
          requestSha256,
        })
        .returning();
      if (!inserted) throw new Error('insert returned no row');
      await tx.update(apps).set({ desiredDeploymentId: inserted.id }).where(eq(apps.id, app.id));
      return {
        result: inserted,
        target: {
          type: 'deployment',
          id: inserted.id,
          details: { app: app.name, version: inserted.version, artifact: sha256 },
        },
      };
    });
    c.get('reconciler').enqueue(app.id);
    const fresh = replayed
      ? ((await reloadApp(db, app.id)) ?? app)
      : { ...app, desiredDeploymentId: row.id };
    const resource = await presentDeployment(db, ministry, fresh, row);
    return c.json(resource satisfies CreateDeploymentResponse, 202);
  },
});

async function reloadApp(db: import('../../db/database.ts').Database, id: string) {
  const [row] = await db.select().from(apps).where(eq(apps.id, id)).limit(1);
  return row;
}
