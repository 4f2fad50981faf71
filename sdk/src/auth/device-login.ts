import * as oauth from 'oauth4webapi';
import { UserError } from '../cli/errors.ts';

export interface DeviceLoginPrompt {
  verificationUri: string;
  verificationUriComplete: string | undefined;
  userCode: string;
  expiresInSeconds: number;
}

const isLoopback = (url: URL) => ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);

/**
 * The device authorization grant (RFC 8628) against the platform's OpenID
 * Provider: shows the person a code to confirm in a browser, then waits for
 * the provider to issue tokens. Returns the ID token and the access token.
 */
export async function deviceLogin(
  issuerUrl: string,
  clientId: string,
  prompt: (p: DeviceLoginPrompt) => void,
): Promise<{ idToken: string; accessToken: string }> {
  const issuer = new URL(issuerUrl);
  // Plain http is tolerated only for a provider on this machine (the development one).
  const insecure = issuer.protocol === 'http:' && isLoopback(issuer);
  const options = { [oauth.allowInsecureRequests]: insecure };
  const as = await oauth.processDiscoveryResponse(
    issuer,
    await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...options }),
  );
  const client: oauth.Client = { client_id: clientId };
  const auth = oauth.None();
  const authorization = await oauth.processDeviceAuthorizationResponse(
    as,
    client,
    await oauth.deviceAuthorizationRequest(
      as,
      client,
      auth,
      { scope: 'openid email profile' },
      options,
    ),
  );
  prompt({
    verificationUri: authorization.verification_uri,
    verificationUriComplete: authorization.verification_uri_complete,
    userCode: authorization.user_code,
    expiresInSeconds: authorization.expires_in,
  });
  let intervalMs = (authorization.interval ?? 5) * 1000;
  const deadline = Date.now() + authorization.expires_in * 1000;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, intervalMs));
    try {
      const result = await oauth.processDeviceCodeResponse(
        as,
        client,
        await oauth.deviceCodeGrantRequest(as, client, auth, authorization.device_code, options),
      );
      if (!result.id_token)
        throw new UserError('login_failed', 'the identity provider returned no ID token');
      return { idToken: result.id_token, accessToken: result.access_token };
    } catch (error) {
      if (error instanceof oauth.ResponseBodyError) {
        if (error.error === 'authorization_pending') continue;
        if (error.error === 'slow_down') {
          intervalMs += 5000;
          continue;
        }
        throw new UserError(
          'login_failed',
          `sign-in refused by the identity provider: ${error.error}`,
          {
            hint: 'run `gov login` again',
          },
        );
      }
      throw error;
    }
  }
  throw new UserError('login_expired', 'the sign-in code expired before it was confirmed', {
    hint: 'run `gov login` again and confirm the code within its validity',
  });
}
