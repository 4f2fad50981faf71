import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import { ApiError } from '../errors.ts';

export interface StaffIdentitySettings {
  issuer: string;
  admin: { clientId: string; clientSecret: string };
  cliClientId: string;
  adminRedirectUri: string;
}

export interface StaffClaims {
  issuer: string;
  subject: string;
  email: string | undefined;
  name: string | undefined;
}

export interface LoginStart {
  url: URL;
  state: string;
  nonce: string;
  codeVerifier: string;
}

/** The configured provider, or the API error saying sign-in is not set up. */
export function requireIdentity(identity: StaffIdentity | undefined): StaffIdentity {
  if (!identity) {
    throw new ApiError(
      'unavailable',
      'staff sign-in is not configured on this platform',
      'set GOV_OIDC_ISSUER',
    );
  }
  return identity;
}

/** A reason a person (and the audit log) can use: the provider's own error code when there is one. */
export function describeOidcError(error: unknown): string {
  if (
    error instanceof oauth.ResponseBodyError ||
    error instanceof oauth.AuthorizationResponseError
  ) {
    return `${error.error}${error.error_description ? ` (${error.error_description})` : ''}`;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Plain http is only tolerated for a provider on this machine (the development one). */
function isLoopback(url: URL): boolean {
  return ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
}

/**
 * The platform as an OpenID client of whatever provider is configured:
 * authorization code + PKCE with state and nonce for the admin panel, and
 * verification of the ID tokens the CLI obtains with the device flow.
 */
/** Where a sign-out at the provider comes back to: the panel's front page. */
export function postLogoutRedirectUri(adminRedirectUri: string): string {
  return new URL('/admin', adminRedirectUri).toString();
}

export class StaffIdentity {
  readonly settings: StaffIdentitySettings;
  readonly #as: oauth.AuthorizationServer;
  readonly #insecure: boolean;
  readonly #jwks: ReturnType<typeof createRemoteJWKSet>;

  private constructor(
    settings: StaffIdentitySettings,
    as: oauth.AuthorizationServer,
    insecure: boolean,
  ) {
    this.settings = settings;
    this.#as = as;
    this.#insecure = insecure;
    if (!as.jwks_uri) throw new Error(`${settings.issuer} publishes no jwks_uri`);
    this.#jwks = createRemoteJWKSet(new URL(as.jwks_uri));
  }

  static async discover(settings: StaffIdentitySettings): Promise<StaffIdentity> {
    const issuer = new URL(settings.issuer);
    const insecure = issuer.protocol === 'http:' && isLoopback(issuer);
    const response = await oauth.discoveryRequest(issuer, {
      algorithm: 'oidc',
      [oauth.allowInsecureRequests]: insecure,
    });
    return new StaffIdentity(
      settings,
      await oauth.processDiscoveryResponse(issuer, response),
      insecure,
    );
  }

  async startLogin(): Promise<LoginStart> {
    const codeVerifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const nonce = oauth.generateRandomNonce();
    const endpoint = this.#as.authorization_endpoint;
    if (!endpoint) throw new Error('the provider has no authorization endpoint');
    const url = new URL(endpoint);
    url.search = new URLSearchParams({
      client_id: this.settings.admin.clientId,
      redirect_uri: this.settings.adminRedirectUri,
      response_type: 'code',
      scope: 'openid email profile',
      code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    }).toString();
    return { url, state, nonce, codeVerifier };
  }

  /**
   * Where to send a person who signed out of the panel, so that the
   * provider ends its session too (RP-initiated logout): without it, the
   * next "Se connecter" on a shared workstation signs the same person
   * straight back in. Undefined when the provider offers no
   * end_session_endpoint: the panel then says the provider's session
   * stays open.
   */
  logoutUrl(): URL | undefined {
    const endpoint = this.#as.end_session_endpoint;
    if (!endpoint) return undefined;
    const url = new URL(endpoint);
    url.searchParams.set('client_id', this.settings.admin.clientId);
    url.searchParams.set(
      'post_logout_redirect_uri',
      postLogoutRedirectUri(this.settings.adminRedirectUri),
    );
    return url;
  }

  /**
   * Checks the provider's answer (state, issuer, error), redeems the code
   * with the PKCE verifier, and checks the ID token (nonce, audience,
   * issuer, expiry). Throws on anything off; the caller stores nothing then.
   */
  async finishLogin(callbackUrl: URL, expected: Omit<LoginStart, 'url'>): Promise<StaffClaims> {
    const client: oauth.Client = { client_id: this.settings.admin.clientId };
    const clientAuth = oauth.ClientSecretBasic(this.settings.admin.clientSecret);
    const params = oauth.validateAuthResponse(this.#as, client, callbackUrl, expected.state);
    const response = await oauth.authorizationCodeGrantRequest(
      this.#as,
      client,
      clientAuth,
      params,
      this.settings.adminRedirectUri,
      expected.codeVerifier,
      { [oauth.allowInsecureRequests]: this.#insecure },
    );
    const result = await oauth.processAuthorizationCodeResponse(this.#as, client, response, {
      expectedNonce: expected.nonce,
      requireIdToken: true,
    });
    const claims = this.#claims(oauth.getValidatedIdTokenClaims(result));
    return this.#withProfile(claims, result.access_token, client);
  }

  /**
   * Many providers put email and name in userinfo rather than the ID token
   * (oidc-provider does). Roles are granted by email, so fetch them there,
   * for the same subject only.
   */
  async #withProfile(
    claims: StaffClaims,
    accessToken: string | undefined,
    client: oauth.Client,
  ): Promise<StaffClaims> {
    if ((claims.email && claims.name) || !accessToken || !this.#as.userinfo_endpoint) return claims;
    const response = await oauth.userInfoRequest(this.#as, client, accessToken, {
      [oauth.allowInsecureRequests]: this.#insecure,
    });
    const info = await oauth.processUserInfoResponse(this.#as, client, claims.subject, response);
    return {
      ...claims,
      email:
        claims.email ?? (typeof info.email === 'string' ? info.email.toLowerCase() : undefined),
      name: claims.name ?? (typeof info.name === 'string' ? info.name : undefined),
    };
  }

  /**
   * An ID token the CLI got through the device flow: signature, issuer,
   * audience and age; with its access token, the profile from userinfo.
   */
  async verifyCliIdToken(idToken: string, accessToken?: string): Promise<StaffClaims> {
    const { payload } = await jwtVerify(idToken, this.#jwks, {
      issuer: this.#as.issuer,
      audience: this.settings.cliClientId,
      maxTokenAge: '10m',
    });
    return this.#withProfile(this.#claims(payload), accessToken, {
      client_id: this.settings.cliClientId,
    });
  }

  #claims(
    claims: { iss?: unknown; sub?: unknown; email?: unknown; name?: unknown } | undefined,
  ): StaffClaims {
    if (!claims || typeof claims.sub !== 'string' || typeof claims.iss !== 'string') {
      throw new Error('the ID token has no subject');
    }
    return {
      issuer: claims.iss,
      subject: claims.sub,
      email: typeof claims.email === 'string' ? claims.email.toLowerCase() : undefined,
      name: typeof claims.name === 'string' ? claims.name : undefined,
    };
  }
}
