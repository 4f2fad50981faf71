import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTokens, members, ministries } from '../../db/schema/index.ts';
import { newId } from '../../ids.ts';
import { type ApiHarness, apiHarness } from '../../testing/api-harness.ts';
import { roleToken } from '../../testing/principals.ts';

let api: ApiHarness;
let adminToken: string;
let developerToken: string;
beforeAll(async () => {
  api = await apiHarness();
  await api.request('POST', '/v1/ministries', { body: { name: 'sante', displayName: 'Santé' } });
  const [sante] = await api.database.db
    .select()
    .from(ministries)
    .where(eq(ministries.name, 'sante'));
  adminToken = await roleToken(api.database.db, sante?.id ?? '', 'admin');
  developerToken = await roleToken(api.database.db, sante?.id ?? '', 'developer');
});
afterAll(() => api.close());

describe('API tokens for CI', () => {
  it('are shown once, stored hashed, scoped to a ministry and role, and revocable', async () => {
    const created = await api.request('POST', '/v1/ministries/sante/tokens', {
      token: adminToken,
      body: { label: 'CI de la santé', role: 'developer', expiresInDays: 30 },
    });
    expect(created.status).toBe(201);
    const secret: string = created.json.token;
    expect(secret).toMatch(/^gov_/);
    const rows = await api.database.db
      .select()
      .from(apiTokens)
      .where(eq(apiTokens.id, created.json.id));
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect(new Date(created.json.expiresAt).getTime()).toBeGreaterThan(
      Date.now() + 29 * 86_400_000,
    );

    // It can deploy in its ministry, nothing more.
    expect(
      (
        await api.request('POST', '/v1/ministries/sante/apps', {
          token: secret,
          body: { name: 'ci' },
        })
      ).status,
    ).toBe(201);
    expect(
      (await api.request('GET', '/v1/ministries/sante/tokens', { token: secret })).status,
    ).toBe(403);
    expect(
      (
        await api.request('POST', '/v1/ministries', {
          token: secret,
          body: { name: 'x1', displayName: 'X' },
        })
      ).status,
    ).toBe(403);

    const list = await api.request('GET', '/v1/ministries/sante/tokens', { token: adminToken });
    expect(JSON.stringify(list.json)).not.toContain(secret);
    expect(list.json.tokens.map((t: { id: string }) => t.id)).toContain(created.json.id);

    const revoked = await api.request('DELETE', `/v1/ministries/sante/tokens/${created.json.id}`, {
      token: adminToken,
    });
    expect(revoked.status).toBe(204);
    expect((await api.request('GET', '/v1/ministries/sante/apps', { token: secret })).status).toBe(
      401,
    );
  });

  it('cannot be created with more power than the creator holds', async () => {
    const res = await api.request('POST', '/v1/ministries/sante/tokens', {
      token: developerToken,
      body: { label: 'escalade', role: 'admin' },
    });
    expect(res.status).toBe(403);
    const bad = await api.request('POST', '/v1/ministries/sante/tokens', {
      token: adminToken,
      body: { label: 'x', role: 'operator' },
    });
    expect(bad.status).toBe(400);
  });
});

describe('members', () => {
  it('gives a signed-in person a role by email; the role works at once and can be taken back', async () => {
    const id = newId('member');
    await api.database.db
      .insert(members)
      .values({ id, issuer: 'https://idp.test', subject: 'awa', email: 'awa@sante.ml' });
    const granted = await api.request('PUT', '/v1/ministries/sante/members', {
      token: adminToken,
      body: { email: 'Awa@Sante.ml', role: 'auditor' },
    });
    expect(granted.json).toMatchObject({ id, role: 'auditor' });
    const list = await api.request('GET', '/v1/ministries/sante/members', { token: adminToken });
    expect(list.json.members).toEqual([
      { id, email: 'awa@sante.ml', displayName: null, role: 'auditor' },
    ]);
    const unknown = await api.request('PUT', '/v1/ministries/sante/members', {
      token: adminToken,
      body: { email: 'personne@sante.ml', role: 'auditor' },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.hint).toMatch(/sign in once/);
    expect(
      (await api.request('DELETE', `/v1/ministries/sante/members/${id}`, { token: adminToken }))
        .status,
    ).toBe(204);
    expect(
      (await api.request('GET', '/v1/ministries/sante/members', { token: adminToken })).json
        .members,
    ).toEqual([]);
  });
});

describe('audit API', () => {
  it('shows a ministry its own records, operators everything, and verifies the chain', async () => {
    const own = await api.request('GET', '/v1/ministries/sante/audit?limit=500');
    const actions = own.json.records.map((r: { action: string }) => r.action);
    expect(actions).toEqual(
      expect.arrayContaining(['token.create', 'app.create', 'token.revoke', 'member.grant']),
    );
    expect(
      own.json.records.every(
        (r: { ministryId: string }) => r.ministryId === own.json.records[0].ministryId,
      ),
    ).toBe(true);
    // Tokens never appear in the audit log.
    expect(JSON.stringify(own.json)).not.toMatch(/gov_[A-Za-z0-9_-]{43}/);

    const all = await api.request('GET', '/v1/audit?action=ministry.create&outcome=success');
    expect(all.json.records).toHaveLength(1);
    // The CI token's attempt to create a ministry was refused, and recorded as such.
    const denied = await api.request('GET', '/v1/audit?action=ministry.create&outcome=denied');
    expect(denied.json.records).toHaveLength(1);
    expect((await api.request('GET', '/v1/audit', { token: adminToken })).status).toBe(403);
    // Auditors (and other roles) read their own ministry's part, and nothing else.
    const scoped = await api.request('GET', '/v1/audit?ministry=sante', { token: developerToken });
    expect(scoped.json.records.length).toBe(own.json.records.length);
    expect(
      (await api.request('GET', '/v1/audit?ministry=justice', { token: developerToken })).status,
    ).toBe(404);
    const paged = await api.request('GET', '/v1/ministries/sante/audit?limit=2');
    expect(paged.json.next).toBe(paged.json.records[1].seq);
    expect((await api.request('GET', '/v1/ministries/sante/audit?limit=0')).status).toBe(400);

    const verdict = await api.request('GET', '/v1/audit/verify', { token: developerToken });
    expect(verdict.json).toMatchObject({ ok: true });
  });
});
