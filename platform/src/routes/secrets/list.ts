import type { SecretResource } from '@gov/contract';
import { access } from '../../auth/access.ts';
import { defineRoute } from '../../http/route.ts';
import { appFromPath } from '../lookup.ts';
import { presentSecret } from './present.ts';

export interface ListSecretsResponse {
  secrets: SecretResource[];
}

/** The names of an app's secrets and when they changed; values are never returned. */
export const listSecrets = defineRoute({
  method: 'get',
  path: '/v1/ministries/:ministry/apps/:app/secrets',
  access: access.auditor,
  handler: async (c) => {
    const { app } = await appFromPath(c);
    const listing = await c.get('vault').list(c.get('db'), app.id);
    return c.json({ secrets: listing.map(presentSecret) } satisfies ListSecretsResponse);
  },
});
