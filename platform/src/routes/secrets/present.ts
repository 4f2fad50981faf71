import type { SecretResource } from '@gov/contract';
import type { SecretListing } from '../../secrets/vault.ts';

export function presentSecret(s: SecretListing): SecretResource {
  return {
    name: s.name,
    revision: s.revision,
    updatedAt: s.updatedAt.toISOString(),
    updatedBy: s.updatedBy,
  };
}
