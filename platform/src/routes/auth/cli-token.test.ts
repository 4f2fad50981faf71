import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiTokens, members } from '../../db/schema/index.ts';
import { runningPlatform } from '../../testing/running-platform.ts';

let env: Awaited<ReturnType<typeof runningPlatform>>;
beforeAll(async () => {
  env = await runningPlatform();
});
afterAll(() => env.close());

const exchange = (
  body: unknown,
  headers: Record<string, string> = { 'content-type': 'application/json' },
) =>
  fetch(`${env.platform.apiUrl}/v1/auth/cli-token`, {
    method: 'POST',
    headers,
    body: JSON.stringify(body),
  });
const stored = async () => ({
  tokens: await env.platform.database.db.$count(apiTokens),
  members: await env.platform.database.db.$count(members),
});

describe('POST /v1/auth/cli-token', () => {
  it('tells the CLI where to sign in', async () => {
    const res = await fetch(`${env.platform.apiUrl}/v1/auth/config`);
    expect(await res.json()).toEqual({
      issuer: env.platform.identity.settings.issuer,
      cliClientId: 'gov-cli',
    });
  });

  it('refuses an ID token signed by anyone but the provider, and stores nothing', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ email: 'intrus@gov.ml' })
      .setProtectedHeader({ alg: 'ES256', kid: 'forged' })
      .setIssuer(env.platform.identity.settings.issuer)
      .setAudience('gov-cli')
      .setSubject('operateur')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    const before = await stored();
    const res = await exchange({ idToken: forged });
    expect(res.status).toBe(401);
    const body = (await res.json()) as { error: { code: string; hint: string } };
    expect(body.error.code).toBe('unauthenticated');
    expect(body.error.hint).toMatch(/gov login/);
    expect(await stored()).toEqual(before);
  });

  it.each([
    ['garbage', { idToken: 'x'.repeat(40) }, 401],
    ['a missing token', {}, 400],
    ['unknown fields', { idToken: 'x'.repeat(40), admin: true }, 400],
  ])('refuses %s', async (_label, body, status) => {
    const before = await stored();
    expect((await exchange(body)).status).toBe(status);
    expect(await stored()).toEqual(before);
  });

  it('rate-limits sign-in attempts per address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++)
      statuses.push((await exchange({ idToken: 'y'.repeat(40) })).status);
    expect(statuses).toContain(429);
    expect(statuses.indexOf(429)).toBeLessThanOrEqual(20);
  });

  it('never writes a token or an ID token to the logs', async () => {
    const joined = env.logs.join('\n');
    expect(joined).not.toMatch(/gov_[A-Za-z0-9_-]{43}/);
    expect(joined).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
  });
});
