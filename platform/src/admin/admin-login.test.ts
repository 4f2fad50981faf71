import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginTransactions, members, sessions } from '../db/schema/index.ts';
import { HttpBrowser, signInAtProvider } from '../testing/http-browser.ts';
import { runningPlatform } from '../testing/running-platform.ts';

let env: Awaited<ReturnType<typeof runningPlatform>>;
const CODE_TTL_SECONDS = 2;
beforeAll(async () => {
  env = await runningPlatform((c) => ({
    ...c,
    oidc: { kind: 'development', port: 0, codeTtlSeconds: CODE_TTL_SECONDS },
  }));
});
afterAll(() => env.close());

const isCallback = (url: string) => url.includes('/admin/callback');
const db = () => env.platform.database.db;
const stored = async () => ({
  sessions: await db().$count(sessions),
  members: (await db().select().from(members)).map((m) => [m.id, m.lastLoginAt?.getTime()]),
});

/** Walks the sign-in up to the provider's redirect to our callback, and stops there. */
async function signInUntilCallback(account = 'operateur') {
  const browser = new HttpBrowser();
  const toInteraction = await browser.follow(`${env.platform.apiUrl}/admin/login`, (u) =>
    u.includes('/interaction/'),
  );
  const afterLogin = await signInAtProvider(browser, toInteraction.url, account);
  const toCallback = await browser.follow(afterLogin, isCallback);
  expect(toCallback.url).toContain('code=');
  return { browser, callback: new URL(toCallback.url) };
}

describe('admin panel sign-in (authorization code + PKCE)', () => {
  it('signs an operator in with an HttpOnly SameSite session and shows the dashboard in French', async () => {
    const { browser, callback } = await signInUntilCallback('operateur');
    const done = await browser.request(callback.toString());
    expect(done.status).toBe(302);
    expect(done.location).toBe(`${env.platform.apiUrl}/admin`);
    const cookie = done.setCookies.find((c) => c.startsWith('gov_session='));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/); // loopback only; Secure everywhere else
    const dashboard = await browser.request(`${env.platform.apiUrl}/admin`);
    expect(dashboard.text).toContain('lang="fr"');
    expect(dashboard.text).toContain('opérateur de la plateforme');
    expect(dashboard.text).toContain('Awa Traoré');
  });

  it('refuses a replayed callback and stores nothing', async () => {
    const { browser, callback } = await signInUntilCallback();
    expect((await browser.request(callback.toString())).status).toBe(302);
    const before = await stored();
    const again = await browser.request(callback.toString());
    expect(again.status).toBe(400);
    expect(again.text).toContain('Connexion refusée');
    expect(await stored()).toEqual(before);
  });

  it.each([
    ['a wrong state', (u: URL) => u.searchParams.set('state', 'forged-state')],
    ['a wrong issuer', (u: URL) => u.searchParams.set('iss', 'http://127.0.0.1:9/evil')],
    ['a missing code', (u: URL) => u.searchParams.delete('code')],
  ])('refuses %s and stores nothing', async (_label, tamper) => {
    const { browser, callback } = await signInUntilCallback();
    tamper(callback);
    const before = await stored();
    const res = await browser.request(callback.toString());
    expect(res.status).toBe(400);
    expect(res.text).toContain('Aucune session');
    expect(await stored()).toEqual(before);
  });

  it('refuses an ID token whose nonce is not the one this login sent', async () => {
    const { browser, callback } = await signInUntilCallback();
    // As if the provider answered with an ID token minted for another login.
    await db()
      .update(loginTransactions)
      .set({ nonce: 'another-nonce' })
      .where(sql`used_at is null`);
    const before = await stored();
    const res = await browser.request(callback.toString());
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/nonce/);
    expect(await stored()).toEqual(before);
  });

  it('refuses an expired authorization code', async () => {
    const { browser, callback } = await signInUntilCallback();
    await new Promise((r) => setTimeout(r, (CODE_TTL_SECONDS + 1) * 1000));
    const before = await stored();
    const res = await browser.request(callback.toString());
    expect(res.status).toBe(400);
    expect(res.text).toContain('a été refusée : invalid_grant');
    expect(await stored()).toEqual(before);
  });

  it('refuses a callback without the browser that started the login', async () => {
    const { browser, callback } = await signInUntilCallback();
    browser.dropCookie('127.0.0.1', 'gov_login');
    const res = await browser.request(callback.toString());
    expect(res.status).toBe(400);
    expect(res.text).toContain('inconnue, expirée ou déjà utilisée');
  });

  it('never redirects to a redirect URI that is not registered', async () => {
    const browser = new HttpBrowser();
    const start = await browser.request(`${env.platform.apiUrl}/admin/login`);
    const authorize = new URL(start.location ?? '');
    authorize.searchParams.set('redirect_uri', 'http://127.0.0.1:9/steal');
    const res = await browser.request(authorize.toString());
    expect(res.status).toBe(400);
    expect(res.location ?? '').not.toContain('127.0.0.1:9');
  });

  it('records sign-ins, refused ones included, in the audit log', async () => {
    const { records } = await import('../audit/query.ts').then((q) =>
      q.queryAudit(db(), { after: 0, limit: 1000, action: 'session.admin_login' }),
    );
    const outcomes = new Set(records.map((r) => r.outcome));
    expect(outcomes).toEqual(new Set(['success', 'denied']));
  });
});
