import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, apiHarness } from '../testing/api-harness.ts';
import { allRoutes } from './index.ts';

let api: ApiHarness;
beforeAll(async () => {
  api = await apiHarness();
});
afterAll(() => api.close());

const protectedRoutes = allRoutes({ isReady: () => true }).filter((r) => !r.public);
const concrete = (path: string) =>
  path.replace(':ministry', 'sante').replace(':app', 'vaccins').replace(':version', '1');

describe('every protected route', () => {
  it.each(protectedRoutes.map((r) => [r.method.toUpperCase(), r.path]))(
    '%s %s refuses missing and bad credentials alike',
    async (method, path) => {
      const body = method === 'POST' ? {} : undefined;
      const none = await api.request(method, concrete(path), { token: null, body });
      const bad = await api.request(method, concrete(path), {
        token: `gov_${'A'.repeat(43)}`,
        body,
      });
      const garbage = await api.request(method, concrete(path), {
        headers: { authorization: 'Basic Zm9vOmJhcg==' },
        token: null,
        body,
      });
      for (const res of [none, bad, garbage]) {
        expect(res.status).toBe(401);
        expect(res.json.error.code).toBe('unauthenticated');
      }
      // The same answer whether or not the resource exists: no oracle.
      expect(bad.json.error.message).toBe('the API token is invalid, expired or revoked');
    },
  );
});
