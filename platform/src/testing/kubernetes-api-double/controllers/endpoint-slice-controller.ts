import { KubernetesApiError } from '../api-error.ts';
import {
  arrayAt,
  deepEqual,
  isJsonObject,
  type KubeObject,
  objectAt,
  stableHash,
} from '../objects.ts';
import type { Registry } from '../registry.ts';
import { requireResourceType } from '../resource-types.ts';
import { serviceSelectorMatches } from '../selectors.ts';
import { conditionOf } from './conditions.ts';
import { nodeName } from './kubelet.ts';

const serviceType = requireResourceType('Service');
const podType = requireResourceType('Pod');
const sliceType = requireResourceType('EndpointSlice');
const writer = { manager: 'endpointslice-controller', subresource: 'main' as const, dryRun: false };
const managedBy = 'endpointslice-controller.k8s.io';

/** A named targetPort is looked up among the pods' container ports. */
function resolvePort(targetPort: unknown, pods: KubeObject[]): number | undefined {
  if (typeof targetPort === 'number') return targetPort;
  for (const pod of pods) {
    for (const c of arrayAt(pod, ['spec', 'containers'])) {
      for (const p of arrayAt(c, ['ports'])) {
        if (isJsonObject(p) && p.name === targetPort && typeof p.containerPort === 'number')
          return p.containerPort;
      }
    }
  }
  return undefined;
}

/**
 * The EndpointSlice controller: one slice per Service with a selector,
 * listing every pod that matches and has an IP, with its readiness, so a
 * driver can wait for "has ready endpoints" as it would on a cluster.
 */
export class EndpointSliceController {
  constructor(private readonly registry: Registry) {}

  reconcile(): void {
    for (const service of this.registry.store.list(serviceType)) {
      if (service.metadata.deletionTimestamp) continue;
      try {
        this.reconcileOne(service);
      } catch (e) {
        if (!(e instanceof KubernetesApiError)) throw e;
      }
    }
  }

  private reconcileOne(service: KubeObject): void {
    const { namespace, name, uid } = service.metadata;
    const selector = objectAt(service, ['spec', 'selector']);
    const sliceName = `${name}-${stableHash(uid, 5)}`;
    const existing = this.registry.store.get(sliceType, namespace, sliceName);
    if (!selector || Object.keys(selector).length === 0) {
      if (existing) this.registry.delete(sliceType, namespace, sliceName, { dryRun: false });
      return;
    }
    const pods = this.registry.store
      .list(podType, namespace)
      .filter((p) => serviceSelectorMatches(selector, p.metadata.labels))
      .filter((p) => typeof objectAt(p, ['status'])?.podIP === 'string');
    const endpoints = pods.map((p) => {
      const ready = conditionOf(p, 'Ready')?.status === 'True' && !p.metadata.deletionTimestamp;
      return {
        addresses: [String(objectAt(p, ['status'])?.podIP)],
        conditions: { ready, serving: ready, terminating: Boolean(p.metadata.deletionTimestamp) },
        targetRef: { kind: 'Pod', namespace, name: p.metadata.name, uid: p.metadata.uid },
        nodeName,
      };
    });
    const ports = arrayAt(service, ['spec', 'ports'])
      .filter(isJsonObject)
      .map((p) => ({
        name: typeof p.name === 'string' ? p.name : '',
        port: resolvePort(p.targetPort ?? p.port, pods),
        protocol: p.protocol ?? 'TCP',
      }))
      .filter((p) => p.port !== undefined);
    // As the real controller does: the Service's labels, then its own.
    const labels = {
      ...(service.metadata.labels ?? {}),
      'kubernetes.io/service-name': name,
      'endpointslice.kubernetes.io/managed-by': managedBy,
    };
    const content = { addressType: 'IPv4', endpoints, ports };

    if (!existing) {
      this.registry.create(
        sliceType,
        namespace,
        {
          metadata: {
            name: sliceName,
            namespace,
            labels,
            ownerReferences: [
              {
                apiVersion: 'v1',
                kind: 'Service',
                name,
                uid,
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
          },
          ...content,
        },
        writer,
      );
      return;
    }
    const current = {
      addressType: existing.addressType,
      endpoints: existing.endpoints,
      ports: existing.ports,
    };
    if (deepEqual(current, content)) return;
    this.registry.mutate(sliceType, namespace, sliceName, writer, (slice) => {
      Object.assign(slice, content);
    });
  }
}
