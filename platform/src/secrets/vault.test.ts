import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/database.ts';
import { appSecrets, apps, ministries, ministryKeys } from '../db/schema/index.ts';
import { openTestDatabase } from '../db/test-database.ts';
import { keyId } from './envelope.ts';
import type { MasterKey } from './master-key.ts';
import { SecretVault } from './vault.ts';

let database: DatabaseHandle;
const master = (): MasterKey => {
  const key = randomBytes(32);
  return { id: keyId(key), key };
};
const first = master();

beforeAll(async () => {
  database = await openTestDatabase();
  const { db } = database;
  await db.insert(ministries).values([
    { id: 'min_a', name: 'sante', displayName: 'Santé' },
    { id: 'min_b', name: 'justice', displayName: 'Justice' },
  ]);
  await db.insert(apps).values([
    { id: 'app_a1', ministryId: 'min_a', name: 'vaccins' },
    { id: 'app_a2', ministryId: 'min_a', name: 'rendez-vous' },
    { id: 'app_b1', ministryId: 'min_b', name: 'casier' },
  ]);
});
afterAll(() => database?.close());

describe('SecretVault', () => {
  it('stores only sealed values, and opens them for the app they belong to', async () => {
    const vault = new SecretVault({ current: first, previous: undefined });
    const { db } = database;
    const put = (appId: string, ministryId: string, name: string, value: string) =>
      vault.put(db, { ministryId, appId, name, value, actor: 'mem_test' });
    expect(await put('app_a1', 'min_a', 'API_KEY', 'clé-très-secrète')).toEqual({
      revision: 1,
      created: true,
    });
    expect(await put('app_a1', 'min_a', 'API_KEY', 'nouvelle-clé')).toEqual({
      revision: 2,
      created: false,
    });
    await put('app_b1', 'min_b', 'API_KEY', 'clé-de-la-justice');
    const rows = await db.select().from(appSecrets);
    for (const row of rows) {
      const stored = Buffer.from(row.sealedValue).toString('latin1');
      expect(stored).not.toContain('clé');
      expect(stored).not.toContain('justice');
    }
    expect(await vault.reveal(db, 'min_a', 'app_a1')).toEqual({ API_KEY: 'nouvelle-clé' });
    expect(await vault.reveal(db, 'min_b', 'app_b1')).toEqual({ API_KEY: 'clé-de-la-justice' });
    expect(await vault.reveal(db, 'min_a', 'app_a2')).toEqual({});
    expect((await vault.list(db, 'app_a1')).map((s) => [s.name, s.revision])).toEqual([
      ['API_KEY', 2],
    ]);
  });

  it('refuses a sealed value moved to another app, even of the same ministry', async () => {
    const vault = new SecretVault({ current: first, previous: undefined });
    const { db } = database;
    const [row] = await db.select().from(appSecrets).where(eq(appSecrets.appId, 'app_a1'));
    // Someone with write access to the database copies app_a1's secret to app_a2.
    await db.insert(appSecrets).values({
      id: 'sec_copy',
      appId: 'app_a2',
      name: 'API_KEY',
      sealedValue: row?.sealedValue ?? new Uint8Array(),
    });
    await expect(vault.reveal(db, 'min_a', 'app_a2')).rejects.toThrow(/unable to authenticate/i);
    await db.delete(appSecrets).where(eq(appSecrets.id, 'sec_copy'));
  });

  it('rewraps data keys when the master key is rotated, and secrets still open', async () => {
    const { db } = database;
    const second = master();
    // Without the previous key, the platform says which key it lacks.
    await expect(
      new SecretVault({ current: second, previous: undefined }).reveal(db, 'min_a', 'app_a1'),
    ).rejects.toThrow(/wrapped by master key .* GOV_MASTER_KEY/);
    const rotating = new SecretVault({ current: second, previous: first });
    expect(await rotating.rewrap(db)).toBe(2);
    expect(await rotating.rewrap(db)).toBe(0);
    const keys = await db.select().from(ministryKeys);
    expect(keys.every((k) => k.masterKeyId === second.id)).toBe(true);
    const after = new SecretVault({ current: second, previous: undefined });
    expect(await after.reveal(db, 'min_a', 'app_a1')).toEqual({ API_KEY: 'nouvelle-clé' });
    // The old key opens nothing any more.
    await expect(
      new SecretVault({ current: first, previous: undefined }).reveal(db, 'min_a', 'app_a1'),
    ).rejects.toThrow(/wrapped by master key/);
  });

  it('deletes a secret, and says when there was none', async () => {
    const vault = new SecretVault({ current: first, previous: undefined });
    expect(await vault.remove(database.db, 'app_b1', 'API_KEY')).toBe(true);
    expect(await vault.remove(database.db, 'app_b1', 'API_KEY')).toBe(false);
  });
});
