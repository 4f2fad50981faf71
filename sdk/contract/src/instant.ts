import { z } from 'zod';

/** Earliest instant a query or a report may name: nothing the platform records is older. */
export const EARLIEST_INSTANT = '1970-01-01T00:00:00.000Z';
/** Latest: past year 9999, ISO 8601 needs a signed year that PostgreSQL does not read. */
export const LATEST_INSTANT = '9999-12-31T23:59:59.999Z';

const earliest = Date.parse(EARLIEST_INSTANT);
const latest = Date.parse(LATEST_INSTANT);

/**
 * An ISO 8601 date and time with its offset (`2026-04-01T10:00:00Z`,
 * `2026-04-01T12:00:00+02:00`) between 1970 and 9999 in UTC. A well-formed
 * time outside that range (year 0000, or 9999-12-31T23:00-14:00, which is
 * year 10000 in UTC) is refused at the edge instead of failing in the
 * database, and a day can be subtracted from any accepted one.
 */
export const instantSchema = z.iso.datetime({ offset: true }).refine((value) => {
  const at = Date.parse(value);
  return at >= earliest && at <= latest;
}, 'must be a time between 1970 and 9999 (UTC), like 2026-04-01T00:00:00Z');
