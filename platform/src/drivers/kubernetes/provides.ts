import type { ProvidedBindings } from '../driver.ts';

/**
 * The Workers bindings apps get on a cluster: KV, D1 and R2 where the
 * chart's storage service is installed, service bindings where the
 * gateway's relay is, cron triggers, and Durable Objects (on a volume per
 * app). What is not installed is refused at deploy
 * (routes/deployments/unprovided.ts).
 */
export const providedOnKubernetes = (installed: {
  storage: boolean;
  services: boolean;
}): ProvidedBindings => ({
  storage: installed.storage,
  durableObjects: true,
  services: installed.services,
  crons: true,
});
