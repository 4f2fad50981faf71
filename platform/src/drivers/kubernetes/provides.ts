import type { ProvidedBindings } from '../driver.ts';

/**
 * The Workers bindings apps get on a cluster: KV, D1 and R2 where the
 * chart's storage service is installed, service bindings where the
 * gateway's relay is, and cron triggers. Durable Objects are not provided
 * on Kubernetes yet, and are refused at deploy
 * (routes/deployments/unprovided.ts).
 */
export const providedOnKubernetes = (installed: {
  storage: boolean;
  services: boolean;
}): ProvidedBindings => ({
  storage: installed.storage,
  durableObjects: false,
  services: installed.services,
  crons: true,
});
