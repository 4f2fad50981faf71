import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAuditChain } from '../audit/verify.ts';
import { auditLog } from '../db/schema/index.ts';
import {
  type Answered,
  type FuzzResult,
  type FuzzSession,
  openFuzzSession,
} from '../testing/fuzz/fuzz-run.ts';

/**
 * A seeded, bounded fuzz of the whole API, in-process: requests are built
 * from the route list itself (a route added later is fuzzed without editing
 * this), and not one may answer 5xx. Bad input is the client's to fix (a
 * 4xx in the error envelope); a 5xx is a bug, such as an audit write or a
 * query that user input could break.
 *
 * Reproduce a failure with the seed it prints:
 *   GOV_FUZZ_SEED=<seed> npx vitest run platform/src/routes/fuzz.test.ts
 * GOV_FUZZ_REQUESTS raises the request count (never below 10,000);
 * GOV_FUZZ_STATS=1 prints what each route answered.
 */
const SEED = Number(process.env.GOV_FUZZ_SEED ?? 0x5eed_2026) >>> 0;
const REQUESTS = Math.max(10_000, Number(process.env.GOV_FUZZ_REQUESTS) || 0);
const REPORTED = 5;

let session: FuzzSession;

beforeAll(async () => {
  session = await openFuzzSession();
}, 120_000);

afterAll(async () => {
  await session?.close();
});

function describeRequest(r: Answered): string {
  const { authorization: _secret, ...headers } = r.headers;
  const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…` : s);
  const stack = session.loggedError(r.json?.error?.requestId ?? '');
  return [
    `#${r.index} ${r.method} ${clip(r.path, 300)}`,
    `  credential: ${r.credential}`,
    `  headers: ${JSON.stringify(headers)}`,
    `  body: ${r.body === undefined ? '(none)' : `${r.body.length} chars: ${JSON.stringify(clip(r.body, 400))}`}`,
    `  → ${r.status} ${clip(JSON.stringify(r.json) ?? '', 400)}`,
    ...(stack ? [`  logged: ${stack.split('\n').slice(0, 6).join('\n    ')}`] : []),
  ].join('\n');
}

const countsOf = (m: Map<number | string, number>) =>
  JSON.stringify(Object.fromEntries([...m].sort(([a], [b]) => String(a).localeCompare(String(b)))));

describe(`API fuzz (seed ${SEED}, ${REQUESTS} requests)`, () => {
  it('answers every request without a 5xx, and every 4xx in the error envelope', async () => {
    const result: FuzzResult = await session.run({ seed: SEED, requests: REQUESTS });
    const database = process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite';
    console.info(
      `fuzz: seed ${SEED}, ${REQUESTS} requests in ${result.seconds.toFixed(1)} s (${result.cpuSeconds.toFixed(1)} s of CPU) on ${database}; statuses ${countsOf(result.statuses)}`,
    );
    if (process.env.GOV_FUZZ_STATS) {
      for (const [route, counts] of [...result.byRoute].sort())
        console.info(`${route}: ${countsOf(counts)}`);
    }
    const report = (title: string, found: Answered[]) =>
      found.length === 0
        ? ''
        : [
            `${found.length} ${title} (seed ${SEED}; reproduce with GOV_FUZZ_SEED=${SEED}${REQUESTS > 10_000 ? ` GOV_FUZZ_REQUESTS=${REQUESTS}` : ''}). First ${Math.min(REPORTED, found.length)}:`,
            ...found.slice(0, REPORTED).map(describeRequest),
          ].join('\n');
    expect(result.serverErrors.length, report('requests answered 5xx', result.serverErrors)).toBe(
      0,
    );
    expect(
      result.badEnvelopes.length,
      report('4xx answers outside the error envelope', result.badEnvelopes),
    ).toBe(0);
    // The fuzz reached handlers, not only the edge.
    expect(result.statuses.get(200) ?? 0).toBeGreaterThan(REQUESTS / 20);
  }, 600_000);

  it('leaves an audit chain that still verifies', async () => {
    const { api } = session;
    expect(await verifyAuditChain(api.database.db)).toMatchObject({ ok: true });
    expect(await api.database.db.$count(auditLog)).toBeGreaterThan(100);
    const res = await api.request('GET', '/v1/audit/verify');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ ok: true });
  });
});
