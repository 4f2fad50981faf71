import {
  MAX_SECRET_BYTES,
  MAX_SECRETS_PER_APP,
  type SecretResource,
  secretNameSchema,
} from '@gov/contract';
import { and, count, eq } from 'drizzle-orm';
import { z } from 'zod';
import { auditedChange } from '../../audit/middleware.ts';
import { access } from '../../auth/access.ts';
import { appSecrets, deployments } from '../../db/schema/index.ts';
import { ApiError } from '../../errors.ts';
import { defineRoute } from '../../http/route.ts';
import { parseJsonBody, validate } from '../../http/validate.ts';
import { appFromPath } from '../lookup.ts';

export const putSecretBody = z.strictObject({
  value: z
    .string()
    .min(1, 'a secret cannot be empty')
    .refine(
      (v) => Buffer.byteLength(v, 'utf8') <= MAX_SECRET_BYTES,
      `a secret holds at most ${MAX_SECRET_BYTES} bytes`,
    ),
});
export type PutSecretRequest = z.infer<typeof putSecretBody>;

/**
 * Sets a secret of the app (`gov secrets put`), sealed at once under the
 * ministry's data key. The app's running versions are replaced, without
 * cutting a request, so the code sees the new value. The audit record names
 * the secret, never its value.
 */
export const putSecret = defineRoute({
  method: 'put',
  path: '/v1/ministries/:ministry/apps/:app/secrets/:name',
  access: access.developer,
  audit: 'secret.put',
  handler: async (c) => {
    const { ministry, app } = await appFromPath(c);
    const name = validate(secretNameSchema, c.req.param('name'));
    const body = await parseJsonBody(c, putSecretBody);
    const principal = c.get('principal');
    const result = await auditedChange(c, 200, async (tx) => {
      const [existing] = await tx
        .select({ n: count() })
        .from(appSecrets)
        .where(and(eq(appSecrets.appId, app.id), eq(appSecrets.name, name)));
      if (!existing?.n) {
        const [all] = await tx
          .select({ n: count() })
          .from(appSecrets)
          .where(eq(appSecrets.appId, app.id));
        if ((all?.n ?? 0) >= MAX_SECRETS_PER_APP) {
          throw new ApiError(
            'conflict',
            `app "${app.name}" already has ${MAX_SECRETS_PER_APP} secrets, the most it may hold`,
            'delete one it no longer uses with `gov secrets delete <NAME>`',
          );
        }
      }
      await assertNoVarNamed(tx, app, name);
      const stored = await c.get('vault').put(tx, {
        ministryId: ministry.id,
        appId: app.id,
        name,
        value: body.value,
        actor: principal.actorId,
      });
      return {
        result: stored,
        target: {
          type: 'secret',
          id: app.id,
          details: { app: app.name, name, revision: stored.revision },
        },
      };
    });
    c.get('reconciler').enqueue(app.id);
    return c.json(
      {
        name,
        revision: result.revision,
        updatedAt: new Date().toISOString(),
        updatedBy: principal.actorId,
      } satisfies SecretResource,
      result.created ? 201 : 200,
    );
  },
});

/** The desired version's vars and the app's secrets share one namespace: `env`. */
async function assertNoVarNamed(
  tx: import('../../db/database.ts').Database,
  app: { name: string; desiredDeploymentId: string | null },
  name: string,
): Promise<void> {
  if (!app.desiredDeploymentId) return;
  const [desired] = await tx
    .select({ vars: deployments.vars, bindings: deployments.bindings })
    .from(deployments)
    .where(eq(deployments.id, app.desiredDeploymentId))
    .limit(1);
  if (
    desired &&
    (Object.hasOwn(desired.vars, name) || desired.bindings.some((b) => b.name === name))
  ) {
    throw new ApiError(
      'conflict',
      `${name} is a var or binding of the app's current version: the code could not tell which is which`,
      'remove it from "vars" in the wrangler config and deploy, then set the secret',
    );
  }
}
