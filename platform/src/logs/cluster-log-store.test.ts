import type { AppLogEntry } from '@gov/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apps } from '../db/schema/index.ts';
import { type ApiHarness, apiHarness } from '../testing/api-harness.ts';
import { ClusterLogStore } from './cluster-log-store.ts';

const line = (id: string, at: string, message: string): AppLogEntry => ({
  id,
  at,
  deploymentId: 'dep_a',
  kind: 'console',
  message,
});

describe('a cluster’s app logs in the database', () => {
  let h: ApiHarness;
  let store: ClusterLogStore;
  let appId = '';
  let otherAppId = '';
  beforeAll(async () => {
    h = await apiHarness();
    await h.request('POST', '/v1/ministries', { body: { name: 'sante', displayName: 'Santé' } });
    await h.request('POST', '/v1/ministries/sante/apps', { body: { name: 'rdv' } });
    await h.request('POST', '/v1/ministries/sante/apps', { body: { name: 'autre' } });
    const rows = await h.database.db.select().from(apps);
    appId = rows.find((r) => r.name === 'rdv')?.id ?? '';
    otherAppId = rows.find((r) => r.name === 'autre')?.id ?? '';
    store = new ClusterLogStore(h.database.db);
  });
  afterAll(() => h?.close());

  it('keeps a line once, reads a follow from its id and a look back as the newest lines', async () => {
    const a = line('1577872800000-000000-aaaaaaaa', '2020-01-01T10:00:00.000Z', 'un');
    const b = line('1577872801000-000000-bbbbbbbb', '2020-01-01T10:00:01.000Z', 'deux');
    const c = line('1577872802000-000000-cccccccc', '2020-01-01T10:00:02.000Z', 'trois');
    await store.add(appId, [a, b]);
    await store.add(appId, [b, c]);
    const all = await store.read({ appId });
    expect(all.map((e) => e.message)).toEqual(['un', 'deux', 'trois']);
    expect((await store.read({ appId, after: a.id })).map((e) => e.message)).toEqual([
      'deux',
      'trois',
    ]);
    expect((await store.read({ appId, limit: 1 })).map((e) => e.message)).toEqual(['trois']);
    expect((await store.read({ appId, sinceMs: Date.parse(b.at) })).map((e) => e.message)).toEqual([
      'deux',
      'trois',
    ]);
    // Never another app's lines.
    expect(await store.read({ appId: otherAppId })).toEqual([]);
    // An app deleted while its pods still ran: its lines are dropped, nothing fails.
    await expect(store.add('app_supprimee', [a])).resolves.toBeUndefined();
  });

  it('keeps the gateway’s requests as request lines, and drops what is past the retention period', async () => {
    const at = new Date().toISOString();
    await store.addRequests([
      {
        appId: otherAppId,
        deploymentId: 'dep_b',
        at,
        method: 'GET',
        path: '/suivi',
        status: 200,
        durationMs: 4,
        requestId: 'req_1',
      },
    ]);
    expect(await store.read({ appId: otherAppId })).toMatchObject([
      {
        kind: 'request',
        message: 'GET /suivi 200 4 ms',
        request: { method: 'GET', path: '/suivi', status: 200, durationMs: 4, requestId: 'req_1' },
      },
    ]);
    await store.prune(7);
    expect(await store.read({ appId })).toEqual([]);
    expect(await store.read({ appId: otherAppId })).toHaveLength(1);
  });
});
