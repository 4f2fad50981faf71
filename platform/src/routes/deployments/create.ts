import { bundleBytes, bundleSchema } from '@gov/runtime';
import { eq, max } from 'drizzle-orm';
import { putArtifact } from '../../artifacts/store.ts';
import { access } from '../../auth/access.ts';
import { apps, deployments } from '../../db/schema/index.ts';
import { ApiError } from '../../errors.ts';
import { defineRoute } from '../../http/route.ts';
import { parseJsonBody } from '../../http/validate.ts';
import { newId } from '../../ids.ts';
import { assertCanDeploy } from '../../quotas/quota.ts';
import { appFromPath } from '../lookup.ts';
import { presentDeployment } from '../present.ts';
import type { DeploymentResource } from '../resources.ts';

export type CreateDeploymentRequest = import('@gov/runtime').BundleInput;
export type CreateDeploymentResponse = DeploymentResource;

const MIB = 1024 * 1024;
const mib = (bytes: number) => `${(bytes / MIB).toFixed(1)} MiB`;

/**
 * Uploads a bundle and creates the next version of the app. The answer is
 * 202: the version is accepted, and the reconciler starts it; it goes live
 * only once it passes its readiness check.
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
    await assertCanDeploy(db, ministry, { bundleBytes: size, ...body.limits });

    const sha256 = await putArtifact(db, body, size);
    const row = await db.transaction(async (tx) => {
      // Serialise version numbers per app: lock the app row.
      const [locked] = await tx.select().from(apps).where(eq(apps.id, app.id)).for('update');
      if (!locked) throw new ApiError('not_found', `app "${app.name}" was deleted meanwhile`);
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
          memoryMib: body.limits.memoryMib,
          instances: body.limits.instances,
        })
        .returning();
      if (!inserted) throw new Error('insert returned no row');
      await tx.update(apps).set({ desiredDeploymentId: inserted.id }).where(eq(apps.id, app.id));
      return inserted;
    });
    c.set('auditTarget', {
      type: 'deployment',
      id: row.id,
      details: { app: app.name, version: row.version, artifact: sha256 },
    });
    c.get('reconciler').enqueue(app.id);
    const resource = await presentDeployment(db, ministry, app, row);
    return c.json(resource satisfies CreateDeploymentResponse, 202);
  },
});
