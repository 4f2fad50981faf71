import { bundleSchema } from '@gov/contract';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/database.ts';
import { apps, artifacts, deployments, ministries } from '../db/schema/index.ts';
import { openTestDatabase } from '../db/test-database.ts';
import { newId } from '../ids.ts';
import { bundleOf } from '../testing/api-harness.ts';
import { collectUnreferencedArtifacts } from './gc.ts';
import { putArtifact } from './store.ts';

let database: DatabaseHandle;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(() => database.close());

describe('collectUnreferencedArtifacts', () => {
  it('deletes old artifacts no version uses, and keeps the used and the recent ones', async () => {
    const db = database.db;
    const orphan = await putArtifact(
      db,
      bundleSchema.parse(bundleOf('export default { orphelin: 1 }')),
      10,
    );
    const used = await putArtifact(
      db,
      bundleSchema.parse(bundleOf('export default { utilise: 1 }')),
      10,
    );
    const recent = await putArtifact(
      db,
      bundleSchema.parse(bundleOf('export default { recent: 1 }')),
      10,
    );
    const ministryId = newId('ministry');
    const appId = newId('app');
    await db.insert(ministries).values({ id: ministryId, name: 'sante', displayName: 'Santé' });
    await db.insert(apps).values({ id: appId, ministryId, name: 'vaccins' });
    await db.insert(deployments).values({
      id: newId('deployment'),
      appId,
      version: 1,
      artifactSha256: used,
      compatibilityDate: '2026-04-01',
      compatibilityFlags: [],
      vars: {},
    });
    const hourAgo = new Date(Date.now() - 3_600_000);
    for (const sha of [orphan, used]) {
      await db.update(artifacts).set({ createdAt: hourAgo }).where(eq(artifacts.sha256, sha));
    }
    expect(await collectUnreferencedArtifacts(db)).toBe(1);
    const left = (await db.select({ sha256: artifacts.sha256 }).from(artifacts)).map(
      (a) => a.sha256,
    );
    expect(left.sort()).toEqual([used, recent].sort());
  });
});
