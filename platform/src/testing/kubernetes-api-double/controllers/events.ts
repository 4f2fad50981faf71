import { type KubeObject, stableHash, timestamp } from '../objects.ts';
import type { Registry } from '../registry.ts';
import { requireResourceType } from '../resource-types.ts';

const eventType = requireResourceType('Event');
const component = {
  manager: 'kube-controller-manager',
  subresource: 'main' as const,
  dryRun: false,
};

/**
 * Records a core/v1 Event about an object, folding repeats into one Event
 * with a growing count, as the real event recorder's correlator does.
 */
export function recordEvent(
  registry: Registry,
  involved: KubeObject,
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
  source: string,
): void {
  const namespace = involved.metadata.namespace ?? 'default';
  const name = `${involved.metadata.name}.${stableHash(`${involved.metadata.uid}/${reason}`, 16)}`;
  const now = timestamp();
  try {
    const updated = registry.mutate(eventType, namespace, name, component, (e) => {
      e.count = (typeof e.count === 'number' ? e.count : 1) + 1;
      e.message = message;
      e.lastTimestamp = now;
    });
    if (updated) return;
    registry.create(
      eventType,
      namespace,
      {
        metadata: { name, namespace },
        involvedObject: {
          kind: involved.kind,
          namespace: involved.metadata.namespace,
          name: involved.metadata.name,
          uid: involved.metadata.uid,
          apiVersion: involved.apiVersion,
          resourceVersion: involved.metadata.resourceVersion,
        },
        reason,
        message,
        type,
        count: 1,
        firstTimestamp: now,
        lastTimestamp: now,
        source: { component: source },
        reportingComponent: source,
        reportingInstance: '',
      },
      component,
    );
  } catch {
    // Events are best effort, as in a real cluster (a terminating namespace refuses them).
  }
}
