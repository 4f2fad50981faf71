import type { Bundle } from '@gov/contract';
import type { ProvidedBindings } from '../../drivers/driver.ts';
import { ApiError } from '../../errors.ts';

/**
 * A bundle asking for a binding this platform's cluster does not provide is
 * refused at deploy, naming it and what to do instead: never accepted and
 * then missing at run time.
 */
export function refuseUnprovided(body: Bundle, provides: ProvidedBindings): void {
  const refuse = (what: string, hint: string) => {
    throw new ApiError(
      'invalid_bundle',
      `${what} are not provided on this platform's Kubernetes cluster yet`,
      hint,
    );
  };
  if (body.bindings.length > 0 && !provides.storage) {
    refuse(
      `KV namespaces, D1 databases and R2 buckets (${body.bindings.map((b) => b.name).join(', ')})`,
      'remove "kv_namespaces", "d1_databases" and "r2_buckets" from the app config, or ask the platform team to install the storage service (storage.enabled in the Helm chart)',
    );
  }
  if (body.durableObjects.length > 0 && !provides.durableObjects) {
    refuse(
      `Durable Objects (${body.durableObjects.map((o) => o.className).join(', ')})`,
      'keep state in a D1 database or a KV namespace, or deploy to a platform on the embedded default',
    );
  }
  if (body.services.length > 0 && !provides.services) {
    refuse(
      `service bindings (${body.services.map((s) => s.name).join(', ')})`,
      'remove "services" from the app config and call the other app at its address, or ask the platform team to set GOV_SERVICE_RELAY_URL (the Helm chart does)',
    );
  }
  const crons = body.triggers?.crons ?? [];
  if (crons.length > 0 && !provides.crons) {
    refuse(`cron triggers (${crons.join(', ')})`, 'remove [triggers] from the app config');
  }
}
