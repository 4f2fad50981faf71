import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

/** The message loadConfig throws for `env`, or '' when it accepts it. */
function refusal(env: NodeJS.ProcessEnv): string {
  try {
    loadConfig(env);
    return '';
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
}

describe('loadConfig', () => {
  it('starts from defaults an empty environment can run on', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      apiPort: 7070,
      gatewayPort: 8080,
      bindHost: '127.0.0.1',
      databaseUrl: undefined,
      driver: 'local',
      appCpuMillicores: 500,
      oidc: { kind: 'development', port: 7071 },
    });
  });

  it('names every bad variable at once, in words a person can act on', () => {
    const message = refusal({
      GOV_API_PORT: 'abc',
      GOV_GATEWAY_PORT: '70000',
      GOV_IDLE_TIMEOUT_MS: 'bientôt',
      DATABASE_URL: 'mysql://db',
      GOV_BASE_DOMAIN: 'Services Gouv',
      GOV_INTERNAL_SECRET: 'court',
    });
    expect(message).toContain('GOV_API_PORT: must be a port number');
    expect(message).toContain('GOV_GATEWAY_PORT: ports are 0 (any free port) to 65535');
    expect(message).toContain('GOV_IDLE_TIMEOUT_MS: must be a whole number of milliseconds');
    expect(message).toContain('DATABASE_URL must be a postgres:// URL');
    expect(message).toContain('GOV_BASE_DOMAIN is a DNS name');
    expect(message).toContain('GOV_INTERNAL_SECRET needs at least 32 characters');
  });

  it('refuses settings that only make sense together when one is missing', () => {
    expect(refusal({ GOV_OIDC_ISSUER: 'https://idp.gov.ml' })).toContain(
      'GOV_OIDC_CLIENT_SECRET: required with GOV_OIDC_ISSUER',
    );
    expect(refusal({ GOV_DRIVER: 'kubernetes' })).toContain(
      'GOV_RUNTIME_IMAGE: required with GOV_DRIVER=kubernetes',
    );
    expect(refusal({ GOV_DRIVER: 'nomad' })).toContain('GOV_DRIVER');
  });

  it('bounds what each app instance may use', () => {
    expect(refusal({ GOV_APP_CPU_MILLICORES: '10' })).toContain('GOV_APP_CPU_MILLICORES');
    expect(loadConfig({ GOV_APP_CPU_MILLICORES: '1500' }).appCpuMillicores).toBe(1500);
  });

  it('reads the Kubernetes settings, with app routes only where asked', () => {
    const base = { GOV_DRIVER: 'kubernetes', GOV_RUNTIME_IMAGE: 'registry.gov.ml/gov/runtime:1' };
    expect(loadConfig(base).kubernetes).toMatchObject({
      runtimeImage: 'registry.gov.ml/gov/runtime:1',
      platformNamespace: 'gov-system',
      progressDeadlineSeconds: 120,
    });
    expect(refusal({ ...base, GOV_K8S_GATEWAY: 'sans-namespace' })).toContain(
      'GOV_K8S_GATEWAY is namespace/name',
    );
    expect(refusal({ ...base, GOV_ROLLOUT_DEADLINE_SECONDS: '1' })).toContain(
      'GOV_ROLLOUT_DEADLINE_SECONDS',
    );
  });
});
