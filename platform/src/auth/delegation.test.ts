import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { members, memberships, ministries } from '../db/schema/index.ts';
import { newId } from '../ids.ts';
import { type ApiHarness, apiHarness } from '../testing/api-harness.ts';
import { issueToken } from './tokens.ts';

/**
 * A token is worth what its creator still holds: removing a member's role
 * ends the tokens they minted, and a short-lived token cannot mint a
 * long-lived one.
 */
let api: ApiHarness;
let santeId = '';
const memberId = newId('member');
let memberToken = '';

beforeAll(async () => {
  api = await apiHarness();
  await api.request('POST', '/v1/ministries', { body: { name: 'sante', displayName: 'Santé' } });
  const db = api.database.db;
  santeId = (await db.select().from(ministries).where(eq(ministries.name, 'sante')))[0]?.id ?? '';
  await db.insert(members).values({
    id: memberId,
    issuer: 'https://idp.test',
    subject: 'moussa',
    email: 'moussa@sante.gov.ml',
    displayName: 'Moussa',
  });
  await db.insert(memberships).values({ memberId, ministryId: santeId, role: 'admin' });
  memberToken = (
    await issueToken(db, {
      kind: 'login',
      label: 'gov login',
      memberId,
      createdBy: memberId,
      expiresInDays: 3,
    })
  ).secret;
});
afterAll(() => api.close());

const mint = (token: string, expiresInDays = 30, role = 'admin') =>
  api.request('POST', '/v1/ministries/sante/tokens', {
    token,
    body: { label: 'jeton dérivé', role, expiresInDays },
  });
const works = async (token: string) =>
  (await api.request('GET', '/v1/ministries/sante/apps', { token })).status;

describe('tokens minted by people and by tokens', () => {
  it('never outlive the credential that minted them', async () => {
    const child = await mint(memberToken, 365);
    expect(child.status).toBe(201);
    const limit = Date.now() + 3 * 86_400_000 + 60_000;
    expect(new Date(child.json.expiresAt).getTime()).toBeLessThanOrEqual(limit);
    const grandchild = await mint(child.json.token, 365);
    expect(new Date(grandchild.json.expiresAt).getTime()).toBeLessThanOrEqual(limit);
  });

  it('stop working, down the whole chain, when the person who minted them loses the role', async () => {
    const child = (await mint(memberToken)).json.token as string;
    const grandchild = (await mint(child)).json.token as string;
    expect(await works(child)).toBe(200);
    expect(await works(grandchild)).toBe(200);
    await api.database.db
      .delete(memberships)
      .where(and(eq(memberships.memberId, memberId), eq(memberships.ministryId, santeId)));
    expect(await works(child)).toBe(401);
    expect(await works(grandchild)).toBe(401);
    // And they cannot mint a new admin token either.
    expect((await mint(child)).status).toBe(401);
    // Given the role back, the tokens work again: they were never more than the role.
    await api.database.db
      .insert(memberships)
      .values({ memberId, ministryId: santeId, role: 'admin' });
    expect(await works(child)).toBe(200);
  });

  it('stop working when the token that minted them is revoked, or demoted below them', async () => {
    const parent = await mint(memberToken);
    const child = (await mint(parent.json.token)).json.token as string;
    expect(await works(child)).toBe(200);
    const revoked = await api.request('DELETE', `/v1/ministries/sante/tokens/${parent.json.id}`, {
      token: memberToken,
    });
    expect(revoked.status).toBe(204);
    expect(await works(child)).toBe(401);

    // A member demoted to developer: the admin tokens they minted stop, a developer one keeps working.
    const admin = (await mint(memberToken, 30, 'admin')).json.token as string;
    const developer = (await mint(memberToken, 30, 'developer')).json.token as string;
    await api.database.db
      .update(memberships)
      .set({ role: 'developer' })
      .where(eq(memberships.memberId, memberId));
    expect(await works(admin)).toBe(401);
    expect(await works(developer)).toBe(200);
  });
});
