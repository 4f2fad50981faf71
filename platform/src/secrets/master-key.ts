import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { KEY_BYTES, keyId } from './envelope.ts';

/** A master key and its public id; only ministries' data keys are wrapped with it. */
export interface MasterKey {
  id: string;
  key: Buffer;
}

export interface MasterKeys {
  current: MasterKey;
  /** During a rotation: the key data keys were wrapped with before, to rewrap them. */
  previous: MasterKey | undefined;
}

export class MasterKeyError extends Error {
  readonly code = 'invalid_config';
}

function parseKey(value: string, variable: string): MasterKey {
  const key = Buffer.from(value.trim(), 'base64');
  if (key.length !== KEY_BYTES || key.toString('base64') !== value.trim()) {
    throw new MasterKeyError(
      `invalid configuration:\n  ${variable}: must be 32 random bytes in base64 (make one with \`openssl rand -base64 32\`)`,
    );
  }
  return { id: keyId(key), key };
}

/**
 * The master key: GOV_MASTER_KEY (a Kubernetes Secret, or a key service's
 * output, in production), else on the embedded default a file in the data
 * directory only the platform's user can read, made at first start. With
 * GOV_MASTER_KEY_PREVIOUS set too, the control plane rewraps every data key
 * from the previous key to the current one at start (see README: rotation).
 */
export async function loadMasterKeys(
  dataDir: string,
  env: { GOV_MASTER_KEY?: string; GOV_MASTER_KEY_PREVIOUS?: string },
): Promise<MasterKeys> {
  const previous = env.GOV_MASTER_KEY_PREVIOUS
    ? parseKey(env.GOV_MASTER_KEY_PREVIOUS, 'GOV_MASTER_KEY_PREVIOUS')
    : undefined;
  if (env.GOV_MASTER_KEY)
    return { current: parseKey(env.GOV_MASTER_KEY, 'GOV_MASTER_KEY'), previous };
  const file = path.join(dataDir, 'master-key');
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (!existing?.trim()) {
    // wx: two processes starting together keep the first key written.
    await writeFile(file, `${randomBytes(KEY_BYTES).toString('base64')}\n`, {
      mode: 0o600,
      flag: 'wx',
    }).catch(() => {});
  }
  const text = existing?.trim() ? existing : await readFile(file, 'utf8');
  return { current: parseKey(text.trim(), `${file}`), previous };
}
