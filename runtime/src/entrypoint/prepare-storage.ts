import path from 'node:path';
import { writeStorageConfig } from '../storage/storage-config.ts';
import { storageKeysFrom } from '../storage/storage-keys.ts';
import { workerdBinaryPath } from '../workerd/binary.ts';
import { readKeyFile } from './mounted-files.ts';
import type { WorkerdCommand } from './prepare.ts';
import { settingsError } from './settings.ts';
import type { StorageSettings } from './storage-settings.ts';

/**
 * Everything before the storage service's workerd runs: its keys derived
 * from the mounted secret, its config written into the work dir (an
 * emptyDir), the data on the persistent volume. The same config generation
 * as the embedded default's storage service.
 */
export async function prepareStorage(settings: StorageSettings): Promise<WorkerdCommand> {
  const keys = storageKeysFrom(await readKeyFile(settings.keyFile, 'GOV_STORAGE_KEY_FILE'));
  const configPath = await writeStorageConfig(
    { dataDir: settings.dataDir, listenAddress: settings.listenAddress, ...keys },
    path.join(settings.workDir, 'storage'),
  ).catch((error: NodeJS.ErrnoException) => {
    if (!['EROFS', 'EACCES', 'EPERM', 'ENOENT'].includes(error.code ?? '')) throw error;
    throw settingsError(
      `${error.path ?? settings.workDir} is not writable (${error.code}): mount an emptyDir at GOV_WORK_DIR and a persistent volume at GOV_STORAGE_DATA_DIR`,
    );
  });
  return {
    binary: settings.workerdBinary ?? workerdBinaryPath(),
    args: ['serve', configPath],
    id: 'the storage service',
  };
}
