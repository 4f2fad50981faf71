import { describe, expect, it } from 'vitest';
import { instantSchema } from './instant.ts';

describe('instantSchema', () => {
  it.each([
    '2026-04-01T00:00:00Z',
    '2026-04-01T00:00:00.123Z',
    '2026-04-01T12:00:00+02:00',
    '1970-01-01T00:00:00Z',
    '9999-12-31T23:59:59Z',
  ])('accepts %s', (value) => {
    expect(instantSchema.safeParse(value).success).toBe(true);
  });

  it.each([
    ['year 0000', '0000-01-01T00:00:00Z'],
    ['before 1970', '1969-12-31T23:59:59Z'],
    ['year 1 east of UTC (year 0 in UTC)', '0001-01-01T00:00:00+14:00'],
    ['year 10000 in UTC', '9999-12-31T23:59:59-14:00'],
    ['an impossible day', '2026-02-30T00:00:00Z'],
    ['a date without a time', '2026-04-01'],
  ])('refuses %s', (_label, value) => {
    const result = instantSchema.safeParse(value);
    expect(result.success).toBe(false);
  });
});
