import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, apiHarness } from '../../testing/api-harness.ts';

/** The route alone; the SQL itself runs on real workerd in test/e2e/d1.test.ts. */
let api: ApiHarness;
const path = '/v1/ministries/sante/apps/vaccins/d1/DB/execute';
beforeAll(async () => {
  api = await apiHarness();
  await api.request('POST', '/v1/ministries', { body: { name: 'sante', displayName: 'Santé' } });
  await api.request('POST', '/v1/ministries/sante/apps', { body: { name: 'vaccins' } });
});
afterAll(() => api.close());

describe('POST …/d1/:binding/execute', () => {
  it.each([
    ['no SQL', path, { sql: '' }, /no SQL given/],
    ['a mode it does not know', path, { sql: 'SELECT 1', mode: 'dump' }, /mode/],
    [
      'a binding name that is not one',
      path.replace('/DB/', '/mon-db/'),
      { sql: 'SELECT 1' },
      /binding name/,
    ],
  ])('refuses %s with 400', async (_what, url, body, message) => {
    const res = await api.request('POST', url, { body });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(message);
  });

  it('says where D1 is not provided, instead of failing', async () => {
    const res = await api.request('POST', path, { body: { sql: 'SELECT 1' } });
    expect(res.status).toBe(404);
    expect(res.json.error).toMatchObject({
      code: 'not_found',
      message: expect.stringMatching(/D1 databases are not provided/),
    });
  });
});
