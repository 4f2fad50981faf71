import { access, constants, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';

/** Linux's memory-backed filesystem, present on nearly every machine. */
const SHM = '/dev/shm';

/**
 * Where this agent's instances keep their secrets' files: a folder of its
 * own on tmpfs, so that a secret's value is never written to a disk (the
 * database keeps it sealed; kubelet does the same with Secret volumes).
 * Emptied at start: whatever a crashed agent left there belongs to
 * processes that were just reaped. Undefined where there is no tmpfs: the
 * files then stay in the instance's own 0600 directory.
 */
export async function prepareSecretsRoot(namespace: string): Promise<string | undefined> {
  const writable = await access(SHM, constants.W_OK).then(
    () => true,
    () => false,
  );
  if (!writable) return undefined;
  const root = path.join(SHM, `gov-${process.getuid?.() ?? 0}-${namespace}`);
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true, mode: 0o700 });
  return root;
}
