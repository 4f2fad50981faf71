import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, apiHarness } from '../../testing/api-harness.ts';

let api: ApiHarness;
beforeAll(async () => {
  api = await apiHarness();
  await api.request('POST', '/v1/ministries', { body: { name: 'sante', displayName: 'Santé' } });
  await api.request('POST', '/v1/ministries/sante/apps', { body: { name: 'vaccins' } });
});
afterAll(() => api.close());

describe.each(['/v1/ministries/sante/usage', '/v1/ministries/sante/apps/vaccins/usage'])(
  'GET %s',
  (path) => {
    it.each([
      ['to', '0000-01-01T00:00:00Z'],
      ['from', '0001-01-01T00:00:00+14:00'],
      ['to', '9999-12-31T23:59:59-14:00'],
    ])('refuses %s=%s (outside what the database stores) with 400', async (key, value) => {
      const res = await api.request('GET', `${path}?${key}=${encodeURIComponent(value)}`);
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe('invalid_request');
      expect(res.json.error.message).toContain(`${key}: must be a time between 1970 and 9999`);
    });
  },
);
