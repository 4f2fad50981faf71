import { MAX_INT32 } from '@gov/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/database.ts';
import { openTestDatabase } from '../db/test-database.ts';
import { addUsage } from './meter.ts';
import { usageByApp, usageRange, usageRangeSchema } from './query.ts';

let database: DatabaseHandle;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(() => database.close());

describe('usageByApp', () => {
  it('sums minutes past the range of one minute’s integer column', async () => {
    // Recent minutes: older ones are pruned past retention.
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    const minute = (ago: number) => ({
      appId: 'app_vaccins',
      ministryId: 'min_sante',
      minute: new Date(now - ago * 60_000).toISOString(),
      requests: MAX_INT32,
      errors: MAX_INT32,
      rejected: 0,
      bytesIn: 1,
      bytesOut: 1,
    });
    await addUsage(database.db, [minute(1), minute(2), minute(3)]);
    const [row] = await usageByApp(
      database.db,
      'min_sante',
      new Date(now - 60 * 60_000),
      new Date(now),
    );
    expect(row).toMatchObject({
      requests: 3 * MAX_INT32,
      errors: 3 * MAX_INT32,
      peakRequestsPerMinute: MAX_INT32,
    });
  });
});

describe('usageRangeSchema', () => {
  it.each([
    ['to in year 0000', { to: '0000-01-01T00:00:00Z' }],
    ['from in year 0 once in UTC', { from: '0001-01-01T00:00:00+14:00' }],
    ['to in year 10000 once in UTC', { to: '9999-12-31T23:59:59-14:00' }],
  ])('refuses %s, which the database cannot compare with', (_label, query) => {
    expect(usageRangeSchema.safeParse(query).success).toBe(false);
  });

  it('keeps the default day before the earliest accepted end within range', () => {
    const { from } = usageRange(usageRangeSchema.parse({ to: '1970-01-01T00:00:00Z' }));
    expect(from.toISOString()).toBe('1969-12-31T00:00:00.000Z');
  });
});
