import { KubernetesApiError } from '../api-error.ts';
import { objectAt } from '../objects.ts';
import { formatQuantity } from '../quantity.ts';
import { quotaUsage } from '../quota.ts';
import type { Registry } from '../registry.ts';
import { requireResourceType, resourceTypes } from '../resource-types.ts';

const quotaType = requireResourceType('ResourceQuota');
const writer = {
  manager: 'kube-controller-manager',
  subresource: 'status' as const,
  dryRun: false,
};

/** The resource quota controller: keeps each quota's status.hard and status.used current. */
export class QuotaStatusController {
  constructor(private readonly registry: Registry) {}

  reconcile(): void {
    for (const quota of this.registry.store.list(quotaType)) {
      const { used } = quotaUsage(this.registry.store, quota, resourceTypes);
      const hard = objectAt(quota, ['spec', 'hard']) ?? {};
      const status = {
        hard,
        used: Object.fromEntries(
          [...used].map(([name, value]) => [name, formatQuantity(name, value)]),
        ),
      };
      try {
        this.registry.mutate(
          quotaType,
          quota.metadata.namespace,
          quota.metadata.name,
          writer,
          (q) => {
            q.status = status;
          },
        );
      } catch (e) {
        if (!(e instanceof KubernetesApiError)) throw e;
      }
    }
  }
}
