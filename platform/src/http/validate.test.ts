import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, apiHarness } from '../testing/api-harness.ts';

let api: ApiHarness;
beforeAll(async () => {
  api = await apiHarness();
});
afterAll(() => api.close());

describe('request bodies at the edge', () => {
  it('says a body nests too deep, rather than blaming its characters', async () => {
    let deep: unknown = 'fond';
    for (let i = 0; i < 100; i++) deep = { d: deep };
    const res = await api.request('POST', '/v1/ministries', { body: deep });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain('nests deeper than 64 levels');
  });

  it('refuses a NUL or a lone surrogate anywhere in a body, with 400', async () => {
    for (const rawBody of [
      '{"name":"x\\u0000y","displayName":"Santé"}',
      '{"name":"sante","displayName":"\\ud800"}',
    ]) {
      const res = await api.request('POST', '/v1/ministries', {
        rawBody,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(400);
    }
  });

  it('refuses a control character or malformed UTF-8 in the path, even anonymously', async () => {
    for (const path of [
      '/v1/ministries/x/apps/y%00',
      '/v1/ministries/%ED%A0%80',
      '/v1/ministries/%FF',
    ]) {
      const res = await api.request('GET', path, { token: null });
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe('invalid_request');
    }
  });
});
