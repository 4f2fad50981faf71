import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';
import { testAccounts } from './test-accounts.ts';

export interface DevProviderOptions {
  host: string;
  port: number;
  /** The admin panel's exact callback URL. */
  adminRedirectUri: string;
  /** Lifetime of authorization codes; tests shorten it to prove expiry is enforced. */
  codeTtlSeconds?: number;
}

export interface DevProvider {
  issuer: string;
  admin: { clientId: string; clientSecret: string };
  cliClientId: string;
  close(): Promise<void>;
}

export const ADMIN_CLIENT_ID = 'gov-admin';
export const CLI_CLIENT_ID = 'gov-cli';

/**
 * A real OpenID Provider (the `oidc-provider` package) for the embedded
 * default, so sign-in works on one machine with no setup. It is started
 * only when no issuer is configured, and never in production.
 */
export async function startDevProvider(options: DevProviderOptions): Promise<DevProvider> {
  if (process.env.NODE_ENV === 'production') {
    throw new Error(
      'the development identity provider never runs in production: set GOV_OIDC_ISSUER',
    );
  }
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://${options.host}:${port}`;
  const clientSecret = randomBytes(32).toString('base64url');
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = {
    ...(await exportJWK(privateKey)),
    alg: 'ES256',
    use: 'sig',
    kid: randomBytes(8).toString('hex'),
  };

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: ADMIN_CLIENT_ID,
        client_secret: clientSecret,
        redirect_uris: [options.adminRedirectUri],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      {
        client_id: CLI_CLIENT_ID,
        redirect_uris: [],
        response_types: [],
        grant_types: ['urn:ietf:params:oauth:grant-type:device_code'],
        token_endpoint_auth_method: 'none',
        application_type: 'native',
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    features: { devInteractions: { enabled: true }, deviceFlow: { enabled: true } },
    pkce: { required: () => true },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    ttl: {
      AuthorizationCode: options.codeTtlSeconds ?? 60,
      DeviceCode: 600,
      IdToken: 600,
      AccessToken: 600,
    },
    async findAccount(_ctx, id) {
      const account = testAccounts.find((a) => a.id === id);
      if (!account) return undefined;
      return {
        accountId: account.id,
        claims: async () => ({
          sub: account.id,
          email: account.email,
          email_verified: true,
          name: account.name,
        }),
      };
    },
    // Both clients are the platform's own: no consent screen, as national providers do for first-party apps.
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const { client, session } = ctx.oidc;
      if (!client || !session?.accountId) return undefined;
      const existing = session.grantIdFor(client.clientId);
      if (existing) return ctx.oidc.provider.Grant.find(existing);
      const grant = new ctx.oidc.provider.Grant({
        clientId: client.clientId,
        accountId: session.accountId,
      });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      session.grantIdFor(client.clientId, grant.jti);
      return grant;
    },
  });
  server.on('request', provider.callback());
  return {
    issuer,
    admin: { clientId: ADMIN_CLIENT_ID, clientSecret },
    cliClientId: CLI_CLIENT_ID,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
