import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mergeBindings, readSecrets, readServices, readToken, readVars } from './mounted-files.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gov-mounted-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('files mounted into the pod', () => {
  it('reads secrets laid out as a Kubernetes Secret volume', async () => {
    // What the kubelet writes: data in a timestamped dir, ..data pointing at
    // it, and one visible symlink per key.
    const stamp = path.join(dir, '..2026_04_01_00_00_00.000000001');
    await mkdir(stamp);
    await writeFile(path.join(stamp, 'API_KEY'), 's3cret');
    await symlink(path.basename(stamp), path.join(dir, '..data'));
    await symlink('..data/API_KEY', path.join(dir, 'API_KEY'));
    expect(await readSecrets(dir)).toEqual({ API_KEY: 's3cret' });
  });

  it('refuses a secret directory that is not there', async () => {
    await expect(readSecrets(path.join(dir, 'missing'))).rejects.toMatchObject({
      code: 'settings_invalid',
      message: expect.stringContaining('GOV_SECRETS_DIR'),
    });
  });

  it('reads service bindings, and refuses any that could add other headers or go elsewhere', async () => {
    const file = path.join(dir, 'services');
    const binding = {
      name: 'ETAT_CIVIL',
      address: 'gov-gateway.gov-system.svc:8090',
      headers: { 'x-gov-app': 'app_1', 'x-gov-capability': 'cap' },
    };
    await writeFile(file, JSON.stringify([binding]));
    expect(await readServices(file)).toEqual([binding]);
    expect(await readServices(undefined)).toEqual([]);
    for (const bad of [
      { ...binding, headers: { authorization: 'Bearer x' } },
      { ...binding, address: 'http://ailleurs' },
      { ...binding, name: 'mon-service' },
    ]) {
      await writeFile(file, JSON.stringify([bad]));
      await expect(readServices(file)).rejects.toThrow(/GOV_SERVICES_FILE/);
    }
    await writeFile(file, '{');
    await expect(readServices(file)).rejects.toThrow(/is not JSON/);
  });

  it('trims the token file and refuses an empty one', async () => {
    await writeFile(path.join(dir, 'token'), 'capability\n');
    expect(await readToken({ file: path.join(dir, 'token') })).toBe('capability');
    await writeFile(path.join(dir, 'empty'), '\n');
    await expect(readToken({ file: path.join(dir, 'empty') })).rejects.toThrow(/is empty/);
  });

  it('accepts only a JSON object of strings as vars', async () => {
    const file = path.join(dir, 'vars.json');
    await writeFile(file, JSON.stringify({ GREETING: 'bonjour' }));
    expect(await readVars(file)).toEqual({ GREETING: 'bonjour' });
    await writeFile(file, JSON.stringify({ COUNT: 3 }));
    await expect(readVars(file)).rejects.toThrow(/"COUNT" is not a string/);
    await writeFile(file, '[1]');
    await expect(readVars(file)).rejects.toThrow(/JSON object/);
  });

  it('refuses a name that is both a var and a secret', () => {
    expect(() => mergeBindings({ KEY: 'a' }, { KEY: 'b' })).toThrow(/both a var and a secret/);
  });
});
