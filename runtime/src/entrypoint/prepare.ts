import path from 'node:path';
import { fetchArtifact } from '../artifact.ts';
import { workerdBinaryPath } from '../workerd/binary.ts';
import { writeWorkerdConfig } from '../workerd/config.ts';
import { denyAllEgress } from '../workerd/egress.ts';
import {
  mergeBindings,
  readKeyFile,
  readSecrets,
  readServices,
  readToken,
  readVars,
} from './mounted-files.ts';
import { type EntrypointSettings, settingsError } from './settings.ts';

/** What to exec once everything is in place. */
export interface WorkerdCommand {
  binary: string;
  args: string[];
  /** The id the config was generated for, for the start line. */
  id: string;
}

/**
 * Everything before workerd runs, through the same two functions the local
 * driver uses: fetch and verify the artifact by digest (a tampered artifact
 * throws here and nothing is written), then write the workerd config. The
 * container's egress is deny-all; on a cluster the NetworkPolicy adds its
 * own wall.
 */
export async function prepareWorkerd(settings: EntrypointSettings): Promise<WorkerdCommand> {
  const token = await readToken(settings.artifact.token);
  const vars = mergeBindings(
    await readVars(settings.varsFile),
    await readSecrets(settings.secretsDir),
  );
  const storage = settings.storage;
  const capability = storage
    ? await readKeyFile(storage.capabilityFile, 'GOV_STORAGE_CAPABILITY_FILE')
    : undefined;
  const scheduledToken = settings.scheduled
    ? await readKeyFile(settings.scheduled.tokenFile, 'GOV_SCHEDULED_TOKEN_FILE')
    : undefined;
  const services = await readServices(settings.servicesFile);
  const { artifact } = await fetchArtifact({
    url: settings.artifact.url,
    sha256: settings.artifact.sha256,
    token,
  });
  const id = settings.deploymentId ?? `artifact ${artifact.sha256.slice(0, 12)}`;
  // A subdirectory: writeWorkerdConfig empties its directory first, and the
  // work dir itself is usually a mount point nobody may remove.
  const configPath = await writeWorkerdConfig(
    {
      id,
      mainModule: artifact.mainModule,
      modules: artifact.modules,
      ...(artifact.assets ? { assets: artifact.assets } : {}),
      compatibilityDate: settings.compatibilityDate,
      compatibilityFlags: settings.compatibilityFlags,
      vars,
      egress: denyAllEgress,
      memoryMib: settings.memoryMib,
      listenAddress: settings.listenAddress,
      livenessAddress: settings.livenessAddress,
      ...(storage && capability
        ? {
            bindings: storage.bindings,
            storage: {
              address: storage.address,
              appId: storage.appId,
              ministryId: storage.ministryId,
              capability,
            },
          }
        : {}),
      ...(services.length > 0 ? { services } : {}),
      ...(settings.durableObjects ? { durableObjects: settings.durableObjects } : {}),
      ...(settings.scheduled && scheduledToken
        ? {
            scheduled: true,
            scheduledAddress: settings.scheduled.listenAddress,
            scheduledToken,
          }
        : {}),
    },
    path.join(settings.workDir, 'workerd'),
  ).catch((error: NodeJS.ErrnoException) => {
    if (!['EROFS', 'EACCES', 'EPERM', 'ENOENT'].includes(error.code ?? '')) throw error;
    throw settingsError(
      `GOV_WORK_DIR ${settings.workDir} is not writable (${error.code}): mount an emptyDir there`,
    );
  });
  return {
    binary: settings.workerdBinary ?? workerdBinaryPath(),
    args: ['serve', configPath],
    id,
  };
}
