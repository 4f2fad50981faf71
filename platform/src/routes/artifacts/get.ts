import { SHA256_HEX } from '@gov/contract';
import { eq } from 'drizzle-orm';
import { access } from '../../auth/access.ts';
import { artifacts } from '../../db/schema/index.ts';
import { notFound } from '../../errors.ts';
import { defineRoute } from '../../http/route.ts';

/**
 * An artifact's exact bytes, by digest, for the runtime that will run it (a
 * local agent, a pod's entrypoint). Read-only; the caller holds a capability
 * for this digest alone, and verifies the bytes against it before running.
 */
export const getArtifact = defineRoute({
  method: 'get',
  path: '/v1/artifacts/:sha256',
  access: access.artifactReader,
  handler: async (c) => {
    const sha256 = c.req.param('sha256') ?? '';
    const [row] = SHA256_HEX.test(sha256)
      ? await c.get('db').select().from(artifacts).where(eq(artifacts.sha256, sha256)).limit(1)
      : [];
    if (!row) throw notFound(`artifact ${sha256}`);
    return c.body(row.content as Uint8Array<ArrayBuffer>, 200, {
      'content-type': 'application/json',
      'cache-control': 'private, max-age=31536000, immutable',
    });
  },
});
