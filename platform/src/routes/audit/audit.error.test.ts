import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, apiHarness } from '../../testing/api-harness.ts';

let api: ApiHarness;
beforeAll(async () => {
  api = await apiHarness();
  await api.request('POST', '/v1/ministries', { body: { name: 'sante', displayName: 'Santé' } });
});
afterAll(() => api.close());

describe.each(['/v1/audit', '/v1/ministries/sante/audit'])('GET %s', (path) => {
  it.each([
    ['from', '0000-01-01T00:00:00Z'],
    ['from', '0001-01-01T00:00:00+14:00'],
    ['to', '9999-12-31T23:59:59-14:00'],
  ])('refuses %s=%s (outside what the database stores) with 400', async (key, value) => {
    const res = await api.request('GET', `${path}?${key}=${encodeURIComponent(value)}`);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_request');
    expect(res.json.error.message).toContain(`${key}: must be a time between 1970 and 9999`);
  });

  it('still reads a range within it', async () => {
    const res = await api.request(
      'GET',
      `${path}?from=1970-01-01T00:00:00Z&to=${encodeURIComponent('9999-12-31T23:59:59+14:00')}`,
    );
    expect(res.status).toBe(200);
    expect(res.json.records).toBeInstanceOf(Array);
  });
});
