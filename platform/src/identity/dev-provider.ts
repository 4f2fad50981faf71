import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type KoaContextWithOIDC } from 'oidc-provider';
import {
  deviceCodeInputPage,
  deviceConfirmPage,
  deviceSuccessPage,
  errorPage,
  loginPage,
  logoutPage,
  providerPage,
} from './dev-provider-pages.ts';
import { postLogoutRedirectUri } from './staff-identity.ts';
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
        // Where the admin panel's sign-out comes back to (RP-initiated logout).
        post_logout_redirect_uris: [postLogoutRedirectUri(options.adminRedirectUri)],
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: 'ES256',
      },
      {
        client_id: CLI_CLIENT_ID,
        redirect_uris: [],
        response_types: [],
        grant_types: ['urn:ietf:params:oauth:grant-type:device_code'],
        token_endpoint_auth_method: 'none',
        application_type: 'native',
        id_token_signed_response_alg: 'ES256',
      },
    ],
    jwks: { keys: [jwk] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    features: {
      devInteractions: { enabled: false },
      deviceFlow: {
        enabled: true,
        userCodeInputSource: async (ctx, form, _out, err) => {
          ctx.type = 'html';
          ctx.body = deviceCodeInputPage(
            form,
            err ? 'Ce code est inconnu ou a expiré.' : undefined,
          );
        },
        userCodeConfirmSource: async (ctx, form, _client, _device, userCode) => {
          ctx.type = 'html';
          ctx.body = deviceConfirmPage(form, userCode);
        },
        successSource: async (ctx) => {
          ctx.type = 'html';
          ctx.body = deviceSuccessPage;
        },
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.type = 'html';
          ctx.body = logoutPage(form);
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.type = 'html';
          ctx.body = providerPage('Déconnecté', '<p>Vous êtes déconnecté.</p>');
        },
      },
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = errorPage(
        String(out.error),
        out.error_description ? String(out.error_description) : undefined,
      );
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
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
  const callback = provider.callback();
  server.on('request', (req, res) => {
    const match = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/.exec(req.url?.split('?')[0] ?? '');
    if (!match?.[1]) return callback(req, res);
    void signIn(provider, req, res, match[1], req.method === 'POST' && match[2] === '/login');
  });
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

/**
 * The sign-in step of the development provider: a French form for the test
 * accounts. Consent is never asked (first-party clients, see loadExistingGrant).
 */
async function signIn(
  provider: Provider,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  uid: string,
  submitted: boolean,
): Promise<void> {
  const send = (status: number, body: string) => {
    res.writeHead(status, {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
    });
    res.end(body);
  };
  try {
    const details = await provider.interactionDetails(req, res);
    if (details.uid === uid && details.prompt.name === 'consent' && details.session?.accountId) {
      // First-party clients only (see loadExistingGrant): consent is the platform's, not a screen.
      const grant = new provider.Grant({
        clientId: String(details.params.client_id),
        accountId: details.session.accountId,
      });
      grant.addOIDCScope('openid email profile');
      const grantId = await grant.save();
      return void (await provider.interactionFinished(
        req,
        res,
        { consent: { grantId } },
        { mergeWithLastSubmission: true },
      ));
    }
    if (details.uid !== uid || details.prompt.name !== 'login') {
      return send(
        400,
        errorPage(
          'invalid_request',
          'Cette étape de connexion ne correspond à aucune demande en cours.',
        ),
      );
    }
    if (!submitted) return send(200, loginPage(uid));
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > 4096)
        return send(413, errorPage('invalid_request', 'Formulaire trop volumineux.'));
      chunks.push(chunk as Buffer);
    }
    const login = new URLSearchParams(Buffer.concat(chunks).toString()).get('login')?.trim() ?? '';
    const account = testAccounts.find((a) => a.id === login);
    if (!account)
      return send(200, loginPage(uid, 'Identifiant inconnu : utilisez un des comptes de test.'));
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: account.id } },
      { mergeWithLastSubmission: false },
    );
  } catch (error) {
    send(400, errorPage('invalid_request', (error as Error).message));
  }
}
