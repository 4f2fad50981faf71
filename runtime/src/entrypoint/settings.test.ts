import { describe, expect, it } from 'vitest';
import { parseSettings } from './settings.ts';

const SHA = 'a'.repeat(64);
const minimal = {
  GOV_ARTIFACT_URL: `http://control-plane.gov-system.svc/internal/artifacts/${SHA}`,
  GOV_ARTIFACT_SHA256: SHA,
  GOV_ARTIFACT_TOKEN_FILE: '/var/run/gov/artifact-token',
  GOV_COMPATIBILITY_DATE: '2026-04-01',
  GOV_MEMORY_MIB: '128',
};

function problem(env: NodeJS.ProcessEnv): string {
  try {
    parseSettings(env);
  } catch (error) {
    expect((error as { code?: string }).code).toBe('settings_invalid');
    return (error as Error).message;
  }
  throw new Error('expected the settings to be refused');
}

describe('container entrypoint settings', () => {
  it('fills the container defaults around what the driver sets', () => {
    expect(parseSettings(minimal)).toEqual({
      deploymentId: undefined,
      artifact: {
        url: minimal.GOV_ARTIFACT_URL,
        sha256: SHA,
        token: { file: minimal.GOV_ARTIFACT_TOKEN_FILE },
      },
      compatibilityDate: '2026-04-01',
      compatibilityFlags: [],
      varsFile: undefined,
      secretsDir: undefined,
      memoryMib: 128,
      listenAddress: '0.0.0.0:8080',
      livenessAddress: '0.0.0.0:8081',
      workDir: '/tmp/gov',
      workerdBinary: undefined,
      storage: null,
      servicesFile: undefined,
      durableObjects: null,
      scheduled: null,
    });
  });

  it('reads storage bindings with the way to the storage service, and names what is missing', () => {
    const bindings = '[{"kind":"kv","name":"CACHE"},{"kind":"d1","name":"DB"}]';
    expect(
      parseSettings({
        ...minimal,
        GOV_BINDINGS: bindings,
        GOV_STORAGE_ADDRESS: 'gov-storage.gov-system.svc:8080',
        GOV_STORAGE_CAPABILITY_FILE: '/var/run/gov/storage-capability',
        GOV_APP_ID: 'app_123',
        GOV_MINISTRY_ID: 'min_456',
      }).storage,
    ).toEqual({
      bindings: [
        { kind: 'kv', name: 'CACHE' },
        { kind: 'd1', name: 'DB' },
      ],
      address: 'gov-storage.gov-system.svc:8080',
      capabilityFile: '/var/run/gov/storage-capability',
      appId: 'app_123',
      ministryId: 'min_456',
    });
    const missing = problem({ ...minimal, GOV_BINDINGS: bindings, GOV_APP_ID: 'app_123' });
    expect(missing).toMatch(/GOV_STORAGE_ADDRESS is required with GOV_BINDINGS/);
    expect(missing).toMatch(/GOV_STORAGE_CAPABILITY_FILE is required with GOV_BINDINGS/);
    expect(missing).toMatch(/GOV_MINISTRY_ID is required with GOV_BINDINGS/);
    expect(missing).not.toMatch(/GOV_APP_ID/);
    expect(problem({ ...minimal, GOV_BINDINGS: '[{"kind":"kv"' })).toMatch(
      /GOV_BINDINGS is not JSON/,
    );
    expect(problem({ ...minimal, GOV_BINDINGS: '[{"kind":"queue","name":"Q"}]' })).toMatch(
      /GOV_BINDINGS/,
    );
    expect(
      parseSettings({
        ...minimal,
        GOV_SCHEDULED_LISTEN: '0.0.0.0:8082',
        GOV_SCHEDULED_TOKEN_FILE: '/var/run/gov/token/scheduled',
      }).scheduled,
    ).toEqual({ listenAddress: '0.0.0.0:8082', tokenFile: '/var/run/gov/token/scheduled' });
    expect(problem({ ...minimal, GOV_SCHEDULED_LISTEN: '0.0.0.0:8082' })).toMatch(
      /set GOV_SCHEDULED_LISTEN and GOV_SCHEDULED_TOKEN_FILE together/,
    );
    const objects = '[{"name":"COMPTEUR","className":"Compteur","sql":true}]';
    expect(
      parseSettings({
        ...minimal,
        GOV_DURABLE_OBJECTS: objects,
        GOV_OBJECTS_DIR: '/var/lib/gov-objects',
        GOV_APP_ID: 'app_123',
      }).durableObjects,
    ).toEqual({
      key: 'app_123',
      dir: '/var/lib/gov-objects',
      classes: [{ name: 'COMPTEUR', className: 'Compteur', sql: true }],
    });
    expect(problem({ ...minimal, GOV_DURABLE_OBJECTS: objects })).toMatch(
      /GOV_OBJECTS_DIR is required with GOV_DURABLE_OBJECTS.*GOV_APP_ID is required/,
    );
    // An empty list is no bindings: nothing else is needed.
    expect(parseSettings({ ...minimal, GOV_BINDINGS: '[]' }).storage).toBeNull();
  });

  it('reads a comma list of flags and ignores empty values', () => {
    const settings = parseSettings({
      ...minimal,
      GOV_COMPATIBILITY_FLAGS: 'nodejs_compat, streams_enable_constructors,',
      GOV_LISTEN: '[::]:9000',
      GOV_VARS_FILE: '',
    });
    expect(settings.compatibilityFlags).toEqual(['nodejs_compat', 'streams_enable_constructors']);
    expect(settings.listenAddress).toBe('[::]:9000');
    expect(settings.varsFile).toBeUndefined();
  });

  it('names every missing variable in one line', () => {
    const message = problem({});
    expect(message).not.toContain('\n');
    for (const key of [
      'GOV_ARTIFACT_URL',
      'GOV_ARTIFACT_SHA256',
      'GOV_COMPATIBILITY_DATE',
      'GOV_MEMORY_MIB',
      'GOV_ARTIFACT_TOKEN_FILE',
    ]) {
      expect(message).toContain(`${key}`);
    }
  });

  it('says what a malformed value should look like', () => {
    const message = problem({
      ...minimal,
      GOV_ARTIFACT_SHA256: 'ABC',
      GOV_MEMORY_MIB: '128Mi',
      GOV_COMPATIBILITY_DATE: '2026-02-30',
      GOV_LISTEN: '8080',
      GOV_WORK_DIR: 'tmp',
    });
    expect(message).toContain('GOV_ARTIFACT_SHA256 must be 64 lowercase hex characters');
    expect(message).toContain('GOV_MEMORY_MIB must be a whole number of MiB');
    expect(message).toContain('GOV_COMPATIBILITY_DATE must be a date like 2026-04-01');
    expect(message).toContain('GOV_LISTEN must be host:port');
    expect(message).toContain('GOV_WORK_DIR must be an absolute path');
  });

  it('refuses an artifact URL that is not http(s)', () => {
    expect(problem({ ...minimal, GOV_ARTIFACT_URL: 'file:///etc/passwd' })).toContain(
      'GOV_ARTIFACT_URL must be an http(s) URL',
    );
  });

  it('takes the token from exactly one place', () => {
    expect(problem({ ...minimal, GOV_ARTIFACT_TOKEN: 't' })).toContain('not both');
    const inline = parseSettings({
      ...minimal,
      GOV_ARTIFACT_TOKEN_FILE: undefined,
      GOV_ARTIFACT_TOKEN: 't',
    });
    expect(inline.artifact.token).toEqual({ value: 't' });
  });
});
