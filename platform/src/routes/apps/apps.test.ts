import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apps } from '../../db/schema/index.ts';
import { type ApiHarness, apiHarness } from '../../testing/api-harness.ts';

let api: ApiHarness;
beforeAll(async () => {
  api = await apiHarness();
  await api.request('POST', '/v1/ministries', { body: { name: 'sante', displayName: 'Santé' } });
});
afterAll(() => api.close());

describe('apps', () => {
  it('creates an app with its citizen URL and no version yet', async () => {
    const res = await api.request('POST', '/v1/ministries/sante/apps', {
      body: { name: 'vaccins' },
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      ministry: 'sante',
      name: 'vaccins',
      url: 'http://vaccins.sante.localhost:8080/',
      desiredVersion: null,
      liveVersion: null,
    });
    expect(res.json.id).toMatch(/^app_/);
    const list = await api.request('GET', '/v1/ministries/sante/apps');
    expect(list.json.apps).toEqual([res.json]);
    expect((await api.request('GET', '/v1/ministries/sante/apps/vaccins')).json).toEqual(res.json);
  });

  it('refuses duplicates, bad names and unknown ministries without writing', async () => {
    const before = (await api.database.db.select().from(apps)).length;
    const dup = await api.request('POST', '/v1/ministries/sante/apps', {
      body: { name: 'vaccins' },
    });
    expect(dup.status).toBe(409);
    const bad = await api.request('POST', '/v1/ministries/sante/apps', { body: { name: '-x-' } });
    expect(bad.json.error.code).toBe('invalid_request');
    const extra = await api.request('POST', '/v1/ministries/sante/apps', {
      body: { name: 'rdv', owner: 'me' },
    });
    expect(extra.json.error.code).toBe('invalid_request');
    const noMinistry = await api.request('POST', '/v1/ministries/nulle/apps', {
      body: { name: 'rdv' },
    });
    expect(noMinistry.status).toBe(404);
    expect((await api.database.db.select().from(apps)).length).toBe(before);
  });

  it('deletes an app and asks the reconciler to stop it', async () => {
    const created = await api.request('POST', '/v1/ministries/sante/apps', {
      body: { name: 'temp' },
    });
    const res = await api.request('DELETE', '/v1/ministries/sante/apps/temp');
    expect(res.status).toBe(204);
    expect(api.enqueued).toContain(created.json.id);
    expect((await api.request('GET', '/v1/ministries/sante/apps/temp')).status).toBe(404);
    expect((await api.request('DELETE', '/v1/ministries/sante/apps/temp')).status).toBe(404);
  });
});
