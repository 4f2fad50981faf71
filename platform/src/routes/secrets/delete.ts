import { secretNameSchema } from '@gov/contract';
import { auditedChange } from '../../audit/middleware.ts';
import { access } from '../../auth/access.ts';
import { notFound } from '../../errors.ts';
import { defineRoute } from '../../http/route.ts';
import { validate } from '../../http/validate.ts';
import { appFromPath } from '../lookup.ts';

/** Deletes a secret; the app's running versions are replaced without it. */
export const deleteSecret = defineRoute({
  method: 'delete',
  path: '/v1/ministries/:ministry/apps/:app/secrets/:name',
  access: access.developer,
  audit: 'secret.delete',
  handler: async (c) => {
    const { app } = await appFromPath(c);
    const name = validate(secretNameSchema, c.req.param('name'));
    await auditedChange(c, 204, async (tx) => {
      if (!(await c.get('vault').remove(tx, app.id, name))) {
        throw notFound(
          `secret ${name} of app "${app.name}"`,
          '`gov secrets list` shows its secrets',
        );
      }
      return {
        result: undefined,
        target: { type: 'secret', id: app.id, details: { app: app.name, name } },
      };
    });
    c.get('reconciler').enqueue(app.id);
    return c.body(null, 204);
  },
});
