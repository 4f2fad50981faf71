import { describe, expect, it } from 'vitest';
import { newTrackingNumber, TRACKING_ALPHABET, TRACKING_NUMBER } from './tracking.ts';

describe('newTrackingNumber', () => {
  it('looks like EC-2026-7K3M-Q9XD, with the year of the request', () => {
    const number = newTrackingNumber(new Date('2026-03-15T12:00:00Z'));
    expect(number).toMatch(TRACKING_NUMBER);
    expect(number.startsWith('EC-2026-')).toBe(true);
    expect(TRACKING_NUMBER.test('EC-2026-7K3M-Q9XD')).toBe(true);
  });

  it('never uses characters that read alike (0/O, 1/I)', () => {
    expect(TRACKING_ALPHABET).toHaveLength(32);
    expect(TRACKING_ALPHABET).not.toMatch(/[0O1I]/);
    const randomParts = Array.from({ length: 2000 }, () => newTrackingNumber().slice(8)).join('');
    expect(randomParts).not.toMatch(/[0O1I]/);
    expect(TRACKING_NUMBER.test('EC-2026-0K3M-Q9XD')).toBe(false);
    expect(TRACKING_NUMBER.test('EC-2026-IK3M-Q9XD')).toBe(false);
  });

  it('is random: 2000 numbers are all different and use the whole alphabet', () => {
    const numbers = Array.from({ length: 2000 }, () => newTrackingNumber());
    expect(new Set(numbers).size).toBe(numbers.length);
    const used = new Set(numbers.flatMap((n) => [...n.slice(8).replace('-', '')]));
    expect(used.size).toBe(TRACKING_ALPHABET.length);
  });
});
