import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../platform/src/config.ts';
import { createScratchDatabase } from '../../platform/src/db/test-database.ts';
import { type DevProvider, startDevProvider } from '../../platform/src/identity/dev-provider.ts';
import { pickFreePort } from '../../platform/src/net/free-port.ts';
import { type RunningPlatform, startPlatform } from '../../platform/src/platform.ts';
import { HttpBrowser, signInAtProvider } from '../../platform/src/testing/http-browser.ts';

/**
 * Production configuration: the platform signs staff in against an OpenID
 * Provider it did not start, named only by issuer URL, client id and
 * secret. A separately started provider stands in for the national one.
 */
let provider: DevProvider;
let platform: RunningPlatform;
let dataDir: string;
let dropDatabase: (() => Promise<void>) | undefined;

beforeAll(async () => {
  const apiPort = await pickFreePort();
  provider = await startDevProvider({
    host: '127.0.0.1',
    port: 0,
    adminRedirectUri: `http://127.0.0.1:${apiPort}/admin/callback`,
  });
  dataDir = await mkdtemp(path.join(tmpdir(), 'gov-external-'));
  const scratch = process.env.DATABASE_URL
    ? await createScratchDatabase(process.env.DATABASE_URL)
    : undefined;
  dropDatabase = scratch?.drop;
  const config = loadConfig({
    GOV_DATA_DIR: dataDir,
    GOV_API_PORT: String(apiPort),
    GOV_GATEWAY_PORT: '0',
    GOV_OIDC_ISSUER: provider.issuer,
    GOV_OIDC_CLIENT_ID: provider.admin.clientId,
    GOV_OIDC_CLIENT_SECRET: provider.admin.clientSecret,
    GOV_OIDC_CLI_CLIENT_ID: provider.cliClientId,
    ...(scratch ? { DATABASE_URL: scratch.url } : {}),
  });
  platform = await startPlatform(config, () => {});
}, 60_000);
afterAll(async () => {
  await platform?.stop();
  await provider?.close();
  await dropDatabase?.();
  await rm(dataDir, { recursive: true, force: true });
});

describe('an external OpenID Provider', () => {
  it('is used as configured, and the development provider stays off', async () => {
    expect(platform.devProvider).toBeUndefined();
    const config = await fetch(`${platform.apiUrl}/v1/auth/config`).then((r) => r.json());
    expect(config).toEqual({ issuer: provider.issuer, cliClientId: 'gov-cli' });
  });

  it('signs staff in to the admin panel; a first sign-in grants no role by itself', async () => {
    const browser = new HttpBrowser();
    const toInteraction = await browser.follow(`${platform.apiUrl}/admin/login`, (u) =>
      u.includes('/interaction/'),
    );
    expect(toInteraction.url.startsWith(provider.issuer)).toBe(true);
    const afterLogin = await signInAtProvider(browser, toInteraction.url, 'developpeur');
    const toCallback = await browser.follow(afterLogin, (u) => u.includes('/admin/callback'));
    expect((await browser.request(toCallback.url)).status).toBe(302);
    const dashboard = await browser.request(`${platform.apiUrl}/admin`);
    expect(dashboard.text).toContain('Moussa Keïta');
    expect(dashboard.text).toContain("n'avez encore de rôle dans aucun ministère");
  });

  it('refuses to start without the client secret', () => {
    expect(() => loadConfig({ GOV_OIDC_ISSUER: 'https://idp.gouv.ml' })).toThrow(
      /GOV_OIDC_CLIENT_SECRET/,
    );
  });
});
