import { MAX_INT32 } from '@gov/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capability } from '../../auth/internal-secret.ts';
import { usageMinutes } from '../../db/schema/index.ts';
import { type ApiHarness, apiHarness, TEST_INTERNAL_SECRET } from '../../testing/api-harness.ts';

let api: ApiHarness;
beforeAll(async () => {
  api = await apiHarness();
});
afterAll(() => api.close());

const gateway = capability(TEST_INTERNAL_SECRET, 'gateway');
const row = (fields: Record<string, unknown> = {}) => ({
  appId: 'app_vaccins',
  ministryId: 'min_sante',
  minute: '2026-04-01T10:00:00.000Z',
  requests: 1,
  errors: 0,
  bytesIn: 10,
  bytesOut: 10,
  ...fields,
});
const report = (rows: unknown[]) =>
  api.request('POST', '/internal/v1/usage', { token: gateway, body: { rows } });

describe('POST /internal/v1/usage refuses what the usage table cannot hold', () => {
  it.each([
    ['requests past a 32-bit integer', { requests: 2 ** 31 }],
    ['errors past a 32-bit integer', { errors: 2 ** 32 }],
    ['bytes past exact integers', { bytesIn: 2 ** 53 }],
    ['a minute in year 0000', { minute: '0000-01-01T00:00:00.000Z' }],
    ['a minute in year 10000 once in UTC', { minute: '9999-12-31T23:59:00-14:00' }],
  ])('%s: 400 in the error envelope, nothing stored', async (_label, fields) => {
    const before = await api.database.db.$count(usageMinutes);
    const res = await report([row(), row(fields)]);
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: 'invalid_request' });
    expect(res.json.error.requestId).toMatch(/^req_/);
    expect(await api.database.db.$count(usageMinutes)).toBe(before);
  });

  it('accepts the largest counts the columns hold', async () => {
    const res = await report([
      row({ requests: MAX_INT32, errors: MAX_INT32, bytesIn: Number.MAX_SAFE_INTEGER }),
    ]);
    expect(res.status).toBe(204);
  });
});
