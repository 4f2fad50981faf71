import type { MinistryRole } from '../db/schema/index.ts';

/**
 * Who may call a route. Every route declares one; the shared security test
 * reads them to try each route with too little.
 * - public: no credentials (health, auth discovery, token exchange).
 * - authenticated: any valid credentials; the handler filters what it shows.
 * - operator: platform operators only.
 * - ministry: a role of at least `minimum` in the :ministry of the path
 *   (operators always pass). No role there at all answers 404, like a
 *   ministry that does not exist, so nothing leaks across ministries.
 * - capability: the platform's own parts (a runtime fetching an artifact, a
 *   gateway), holding a capability derived from the internal secret.
 */
export type Access =
  | { kind: 'public' }
  | { kind: 'capability'; purpose: 'artifact' | 'secrets' | 'gateway' }
  | { kind: 'authenticated' }
  | { kind: 'operator' }
  | { kind: 'ministry'; minimum: MinistryRole };

export const access = {
  public: { kind: 'public' },
  authenticated: { kind: 'authenticated' },
  operator: { kind: 'operator' },
  auditor: { kind: 'ministry', minimum: 'auditor' },
  developer: { kind: 'ministry', minimum: 'developer' },
  admin: { kind: 'ministry', minimum: 'admin' },
  artifactReader: { kind: 'capability', purpose: 'artifact' },
  /** A runtime starting one version, reading that version's secrets. */
  secretsReader: { kind: 'capability', purpose: 'secrets' },
  gateway: { kind: 'capability', purpose: 'gateway' },
} as const satisfies Record<string, Access>;
