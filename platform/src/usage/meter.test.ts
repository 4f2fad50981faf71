import { MAX_INT32 } from '@gov/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/database.ts';
import { usageMinutes } from '../db/schema/index.ts';
import { openTestDatabase } from '../db/test-database.ts';
import { addUsage, UsageTally, type UsageTallyRow } from './meter.ts';

let database: DatabaseHandle;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(() => database.close());

/** A recent minute: older ones are pruned past retention. */
const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000).toISOString();

const tally = (counts: Partial<UsageTallyRow>): UsageTallyRow => ({
  appId: 'app_compteur',
  ministryId: 'min_sante',
  minute,
  requests: 0,
  errors: 0,
  rejected: 0,
  bytesIn: 0,
  bytesOut: 0,
  ...counts,
});

describe('the gateway’s tally', () => {
  it('counts citizens turned away by the rate quota apart from the requests served', () => {
    const counted = new UsageTally();
    const now = Date.parse(minute);
    counted.record('app_compteur', 'min_sante', 200, 10, 20, now);
    counted.record('app_compteur', 'min_sante', 429, 0, 300, now, true);
    counted.record('app_compteur', 'min_sante', 429, 0, 300, now, true);
    // A 429 of the app's own is a request it served.
    counted.record('app_compteur', 'min_sante', 429, 0, 5, now);
    expect(counted.drain()).toEqual([
      tally({ requests: 2, rejected: 2, bytesIn: 10, bytesOut: 625 }),
    ]);
  });
});

describe('addUsage', () => {
  it('keeps the refused count with the minute', async () => {
    await addUsage(database.db, [tally({ appId: 'app_refus', requests: 1, rejected: 4 })]);
    await addUsage(database.db, [tally({ appId: 'app_refus', rejected: 2 })]);
    const rows = await database.db.select().from(usageMinutes);
    expect(rows.find((r) => r.appId === 'app_refus')).toMatchObject({ requests: 1, rejected: 6 });
  });

  it('adds a minute reported twice', async () => {
    await addUsage(database.db, [tally({ appId: 'app_deux', requests: 3, bytesIn: 10 })]);
    await addUsage(database.db, [tally({ appId: 'app_deux', requests: 4, bytesIn: 5 })]);
    const rows = await database.db.select().from(usageMinutes);
    expect(rows.find((r) => r.appId === 'app_deux')).toMatchObject({ requests: 7, bytesIn: 15 });
  });

  it('saturates counters at what their columns hold instead of failing the batch', async () => {
    const near = tally({
      requests: MAX_INT32 - 1,
      errors: MAX_INT32,
      bytesIn: Number.MAX_SAFE_INTEGER - 1,
      bytesOut: Number.MAX_SAFE_INTEGER,
    });
    await addUsage(database.db, [near]);
    await expect(
      addUsage(database.db, [tally({ requests: 5, errors: 5, bytesIn: 5, bytesOut: 5 })]),
    ).resolves.toBeUndefined();
    const rows = await database.db.select().from(usageMinutes);
    expect(rows.find((r) => r.appId === 'app_compteur')).toMatchObject({
      requests: MAX_INT32,
      errors: MAX_INT32,
      bytesIn: Number.MAX_SAFE_INTEGER,
      bytesOut: Number.MAX_SAFE_INTEGER,
    });
  });
});
