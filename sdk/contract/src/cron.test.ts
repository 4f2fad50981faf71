import { describe, expect, it } from 'vitest';
import { bundleSchema } from './bundle.ts';
import { cronMatches, parseCron } from './cron.ts';

const at = (iso: string) => new Date(iso);

describe('cron triggers', () => {
  it('fires on the minutes a schedule names, in UTC', () => {
    const weekdays = parseCron('30 7 * * MON-FRI');
    expect(cronMatches(weekdays, at('2026-12-04T07:30:00Z'))).toBe(true); // a Friday
    expect(cronMatches(weekdays, at('2026-12-05T07:30:00Z'))).toBe(false); // Saturday
    expect(cronMatches(weekdays, at('2026-12-04T07:31:00Z'))).toBe(false);
    const steps = parseCron('*/15 0-6/3 1,15 JAN,DEC *');
    expect(cronMatches(steps, at('2026-12-15T03:45:00Z'))).toBe(true);
    expect(cronMatches(steps, at('2026-12-15T04:45:00Z'))).toBe(false);
    expect(cronMatches(steps, at('2026-11-15T03:45:00Z'))).toBe(false);
    expect(cronMatches(parseCron('* * * * *'), at('2027-02-28T23:59:00Z'))).toBe(true);
    // 7 is Sunday too; with both day fields restricted, either one matches.
    expect(cronMatches(parseCron('0 0 * * 7'), at('2026-12-06T00:00:00Z'))).toBe(true);
    const either = parseCron('0 0 1 * MON');
    expect(cronMatches(either, at('2026-12-01T00:00:00Z'))).toBe(true); // the 1st, a Tuesday
    expect(cronMatches(either, at('2026-12-07T00:00:00Z'))).toBe(true); // a Monday
    expect(cronMatches(either, at('2026-12-08T00:00:00Z'))).toBe(false);
  });

  it.each([
    ['0 7 * *', /has 4 fields; a cron has 5/],
    ['60 * * * *', /the minute 60 is out of range \(0 to 59\)/],
    ['0 0 L * *', /L \(L, W and #\) is not supported on Gov/],
    ['0 0 * * 1#2', /not supported on Gov/],
    ['0 9-5 * * *', /the hour range 9-5 runs backwards/],
    ['*/0 * * * *', /step "0" of the minute is not a whole number/],
    ['0 0 * FOO *', /"FOO" is not a valid month/],
  ])('refuses %j, saying why', (expression, message) => {
    expect(() => parseCron(expression)).toThrow(message);
  });

  it('is checked with the bundle: at most five, each valid', () => {
    const bundle = (crons: string[]) =>
      bundleSchema.safeParse({
        mainModule: 'index.js',
        modules: [{ name: 'index.js', type: 'esModule', contentBase64: '' }],
        compatibilityDate: '2026-04-01',
        triggers: { crons },
      });
    expect(bundle(['0 3 * * *']).success).toBe(true);
    expect(bundle(['0 3 * *']).error?.issues[0]?.message).toMatch(/has 4 fields/);
    expect(bundle(Array(6).fill('* * * * *')).error?.issues[0]?.message).toMatch(/at most 5/);
  });
});
