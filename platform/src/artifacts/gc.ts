import { and, lt, notExists, sql } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import { artifacts, deployments } from '../db/schema/index.ts';

/** An artifact younger than this is left alone: its deployment may still be on its way. */
const GRACE_MS = 10 * 60_000;

/**
 * Deletes artifacts no deployment references (left by deploys refused before
 * artifacts were stored in the deploy's own transaction, or by deleted
 * apps): storage no quota counts must not pile up. Returns how many went.
 */
export async function collectUnreferencedArtifacts(
  db: Database,
  now = Date.now(),
): Promise<number> {
  const deleted = await db
    .delete(artifacts)
    .where(
      and(
        lt(artifacts.createdAt, new Date(now - GRACE_MS)),
        notExists(
          db
            .select({ one: sql`1` })
            .from(deployments)
            .where(sql`${deployments.artifactSha256} = ${artifacts.sha256}`),
        ),
      ),
    )
    .returning({ sha256: artifacts.sha256 });
  return deleted.length;
}
