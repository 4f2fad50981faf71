import { afterEach, describe, expect, it } from 'vitest';
import { startDevProvider } from './dev-provider.ts';

describe('development identity provider', () => {
  const nodeEnv = process.env.NODE_ENV;
  afterEach(() => {
    process.env.NODE_ENV = nodeEnv;
  });

  it('never starts in production mode', async () => {
    process.env.NODE_ENV = 'production';
    await expect(
      startDevProvider({
        host: '127.0.0.1',
        port: 0,
        adminRedirectUri: 'http://127.0.0.1:1/admin/callback',
      }),
    ).rejects.toThrow(/never runs in production: set GOV_OIDC_ISSUER/);
  });

  it('serves only self-contained pages: nothing from another origin', async () => {
    const provider = await startDevProvider({
      host: '127.0.0.1',
      port: 0,
      adminRedirectUri: 'http://127.0.0.1:1/admin/callback',
    });
    try {
      const pages = [
        await fetch(`${provider.issuer}/device`).then((r) => r.text()),
        await fetch(`${provider.issuer}/auth?client_id=inconnu`).then((r) => r.text()),
      ];
      for (const page of pages) {
        expect(page).toContain('lang="fr"');
        expect(page).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)/);
      }
    } finally {
      await provider.close();
    }
  });
});
