import { z } from 'zod';
import { address, readEnvironment, settingsError } from './settings.ts';

/**
 * The storage service's settings, when the runtime image runs as the
 * platform's storage service (`entrypoint.mjs storage`, a StatefulSet on a
 * cluster): the same image as apps, another worker. runtime/README.md lists
 * them for operators.
 */
export const STORAGE_ENV = {
  GOV_STORAGE_LISTEN: 'where the storage service listens (default 0.0.0.0:8080)',
  GOV_STORAGE_DATA_DIR:
    "where every app's data lives, a persistent volume (default /var/lib/gov-storage)",
  GOV_STORAGE_KEY_FILE:
    'file holding the storage secret shared with the control plane, mounted from a Secret',
  GOV_WORK_DIR: 'a writable directory (an emptyDir; default /tmp/gov): the root is read-only',
  GOV_WORKERD_BINARY: 'path of workerd; set by the image (default: the npm package)',
} as const;

const absolute = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .refine((v) => v.startsWith('/'), 'must be an absolute path');

const storageSchema = z.object({
  GOV_STORAGE_LISTEN: address('0.0.0.0:8080'),
  GOV_STORAGE_DATA_DIR: absolute('/var/lib/gov-storage'),
  GOV_STORAGE_KEY_FILE: z.string().min(1),
  GOV_WORK_DIR: absolute('/tmp/gov'),
  GOV_WORKERD_BINARY: z.string().min(1).optional(),
});

export interface StorageSettings {
  listenAddress: string;
  dataDir: string;
  keyFile: string;
  workDir: string;
  workerdBinary: string | undefined;
}

/** Reads and checks the storage service's environment; every problem at once, in one line. */
export function parseStorageSettings(env: NodeJS.ProcessEnv): StorageSettings {
  const { parsed, problems } = readEnvironment(env, STORAGE_ENV, storageSchema);
  if (!parsed.success || problems.length > 0) {
    throw settingsError(`invalid settings: ${problems.join('; ')}`);
  }
  const s = parsed.data;
  return {
    listenAddress: s.GOV_STORAGE_LISTEN,
    dataDir: s.GOV_STORAGE_DATA_DIR,
    keyFile: s.GOV_STORAGE_KEY_FILE,
    workDir: s.GOV_WORK_DIR,
    workerdBinary: s.GOV_WORKERD_BINARY,
  };
}
