import { bundleSchema } from '@gov/contract';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/database.ts';
import { openTestDatabase } from '../db/test-database.ts';
import { bundleOf } from '../testing/api-harness.ts';
import { getArtifact, putArtifact } from './store.ts';

let database: DatabaseHandle;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(() => database.close());

describe(`artifact store (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('round-trips code byte for byte, whatever the module order', async () => {
    const a = bundleSchema.parse({
      ...bundleOf('export default {}'),
      modules: [
        {
          name: 'index.js',
          type: 'esModule',
          contentBase64: Buffer.from('export default {}').toString('base64'),
        },
        {
          name: 'data.bin',
          type: 'data',
          contentBase64: Buffer.from([0, 255, 1]).toString('base64'),
        },
      ],
    });
    const b = bundleSchema.parse({ ...a, modules: [...a.modules].reverse() });
    const sha = await putArtifact(database.db, a, 20);
    expect(await putArtifact(database.db, b, 20)).toBe(sha);
    const back = await getArtifact(database.db, sha);
    expect(back.mainModule).toBe('index.js');
    const data = back.modules.find((m) => m.name === 'data.bin');
    expect(Buffer.from(data?.contentBase64 ?? '', 'base64')).toEqual(Buffer.from([0, 255, 1]));
  });

  it('detects an artifact altered in the database', async () => {
    const bundle = bundleSchema.parse(bundleOf('export default { fetch() {} }'));
    const sha = await putArtifact(database.db, bundle, 10);
    await database.db.execute(
      sql`update artifacts set content = ${new TextEncoder().encode('{"mainModule":"evil.js","modules":[]}')} where sha256 = ${sha}`,
    );
    await expect(getArtifact(database.db, sha)).rejects.toThrow(/does not match its digest/);
  });
});
