import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ministries } from '../../db/schema/index.ts';
import { type ApiHarness, apiHarness } from '../../testing/api-harness.ts';

let api: ApiHarness;
beforeAll(async () => {
  api = await apiHarness();
});
afterAll(() => api.close());

const count = async () => (await api.database.db.select().from(ministries)).length;

describe('ministries', () => {
  it('creates, lists and gets a ministry', async () => {
    const created = await api.request('POST', '/v1/ministries', {
      body: { name: 'sante', displayName: 'Ministère de la Santé' },
    });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: 'sante', displayName: 'Ministère de la Santé' });
    expect(created.json.id).toMatch(/^min_[a-z2-7]{26}$/);

    const list = await api.request('GET', '/v1/ministries');
    expect(list.json.ministries.map((m: { name: string }) => m.name)).toContain('sante');
    const one = await api.request('GET', '/v1/ministries/sante');
    expect(one.json).toEqual(created.json);
  });

  it('refuses a duplicate name with 409 and keeps the first one', async () => {
    await api.request('POST', '/v1/ministries', {
      body: { name: 'justice', displayName: 'Justice' },
    });
    const before = await count();
    const again = await api.request('POST', '/v1/ministries', {
      body: { name: 'justice', displayName: 'Autre' },
    });
    expect(again.status).toBe(409);
    expect(again.json.error).toMatchObject({ code: 'conflict', hint: expect.any(String) });
    expect(await count()).toBe(before);
    expect((await api.request('GET', '/v1/ministries/justice')).json.displayName).toBe('Justice');
  });

  it.each([
    [
      'malformed JSON',
      { rawBody: '{"name": "x', headers: { 'content-type': 'application/json' } },
      400,
      'invalid_json',
    ],
    [
      'an unknown field',
      { body: { name: 'ecole', displayName: 'Éducation', admin: true } },
      400,
      'invalid_request',
    ],
    [
      'a name that is not a slug',
      { body: { name: 'Santé Publique', displayName: 'x y' } },
      400,
      'invalid_request',
    ],
    ['a missing display name', { body: { name: 'ecole' } }, 400, 'invalid_request'],
    [
      'a non-JSON content type',
      { rawBody: 'name=ecole', headers: { 'content-type': 'text/plain' } },
      415,
      'unsupported_media_type',
    ],
    [
      'an oversized body',
      { body: { name: 'ecole', displayName: 'x'.repeat(70_000) } },
      400,
      'invalid_request',
    ],
  ])('rejects %s and changes nothing', async (_label, options, status, code) => {
    const before = await count();
    const res = await api.request('POST', '/v1/ministries', options);
    expect(res.status).toBe(status);
    expect(res.json.error.code).toBe(code);
    expect(res.json.error.requestId).toMatch(/^req_/);
    expect(res.headers.get('x-request-id')).toBe(res.json.error.requestId);
    expect(await count()).toBe(before);
  });

  it('names the offending field in validation errors', async () => {
    const res = await api.request('POST', '/v1/ministries', {
      body: { name: 'Bad Name', displayName: 'Ok' },
    });
    expect(res.json.error.message).toMatch(/^name: use 2 to 40 lowercase letters/);
  });

  it('answers 404 for an unknown ministry without leaking internals', async () => {
    const res = await api.request('GET', '/v1/ministries/inconnu');
    expect(res.status).toBe(404);
    expect(res.json.error).toMatchObject({
      code: 'not_found',
      message: 'ministry "inconnu" was not found',
    });
  });
});
