import { saveLogin } from '../../auth/credentials.ts';
import { deviceLogin } from '../../auth/device-login.ts';
import { apiRequest } from '../../client/api-request.ts';
import { defineCommand } from '../command.ts';
import { resolveApiUrl } from '../context.ts';

interface AuthConfig {
  issuer: string;
  cliClientId: string;
}

interface CliTokenResponse {
  token: string;
  expiresAt: string;
  member: {
    email: string | null;
    displayName: string | null;
    operator: boolean;
    roles: Record<string, string>;
  };
}

/** The sign-in routes take no token: they are how one gets a token. */
function api<T>(apiUrl: string, pathname: string, body?: unknown): Promise<T> {
  return apiRequest<T>({ apiUrl, timeoutMs: 60_000 }, body ? 'POST' : 'GET', pathname, body);
}

export const login = defineCommand({
  path: ['login'],
  summary: 'Sign in with your professional identity (device flow) and keep a token for gov',
  usage: 'gov login [--api-url u] [--json]',
  positionals: [],
  options: {
    'api-url': { type: 'string' },
    json: { type: 'boolean' },
    verbose: { type: 'boolean' },
  },
  async run(input) {
    const apiUrl = resolveApiUrl(input);
    const config = await api<AuthConfig>(apiUrl, '/v1/auth/config');
    const tokens = await deviceLogin(config.issuer, config.cliClientId, (p) => {
      input.stderr(
        `To sign in, open ${p.verificationUriComplete ?? p.verificationUri}\n` +
          `and confirm the code ${p.userCode} (valid ${Math.round(p.expiresInSeconds / 60)} min).\n`,
      );
    });
    const session = await api<CliTokenResponse>(apiUrl, '/v1/auth/cli-token', tokens);
    const file = await saveLogin(input.env, apiUrl, {
      token: session.token,
      expiresAt: session.expiresAt,
      email: session.member.email,
    });
    const who = session.member.displayName ?? session.member.email ?? 'you';
    const roles = Object.entries(session.member.roles).map(([m, r]) => `${r} in ${m}`);
    input.stderr(
      `Signed in as ${who}${session.member.operator ? ' (platform operator)' : ''}` +
        `${roles.length ? `: ${roles.join(', ')}` : ''}. Token saved in ${file} until ${session.expiresAt.slice(0, 10)}.\n`,
    );
    if (input.flags.json) input.stdout(`${JSON.stringify(session.member)}\n`);
  },
});
