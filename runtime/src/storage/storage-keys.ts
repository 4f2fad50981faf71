import { createHmac } from 'node:crypto';

/** The two keys of a storage service: apps' capabilities, and the platform's admin calls. */
export interface StorageKeys {
  capabilityKey: string;
  adminKey: string;
}

/**
 * Derives the storage service's keys from one operator secret, so that a
 * cluster needs a single Secret shared by the control plane and the storage
 * pods (the embedded default draws both at random instead). Apps never get
 * either key: only a capability naming their own app.
 */
export function storageKeysFrom(secret: string): StorageKeys {
  const derive = (purpose: string) =>
    createHmac('sha256', secret).update(`gov-storage:${purpose}`).digest('hex');
  return { capabilityKey: derive('capability'), adminKey: derive('admin') };
}

/** What an app's instances present to the storage service: it names that app and ministry, no other. */
export function storageCapability(
  capabilityKey: string,
  ministryId: string,
  appId: string,
): string {
  return createHmac('sha256', capabilityKey).update(`storage:${ministryId}:${appId}`).digest('hex');
}
