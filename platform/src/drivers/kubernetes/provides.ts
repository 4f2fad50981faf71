import type { ProvidedBindings } from '../driver.ts';

/**
 * The Workers bindings apps get on a cluster: KV, D1 and R2 where the
 * chart's storage service is installed, and cron triggers. Durable Objects
 * and service bindings are not provided on Kubernetes yet, and are refused
 * at deploy (routes/deployments/unprovided.ts).
 */
export const providedOnKubernetes = (storage: boolean): ProvidedBindings => ({
  storage,
  durableObjects: false,
  services: false,
  crons: true,
});
