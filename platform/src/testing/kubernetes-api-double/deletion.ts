import { apiErrors } from './api-error.ts';
import { clone, isJsonObject, type KubeObject, timestamp } from './objects.ts';
import type { Registry } from './registry.ts';
import { type ResourceType, requireResourceType, resourceTypes } from './resource-types.ts';

export interface DeleteOptions {
  propagationPolicy?: string;
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun: boolean;
}

/** What DELETE answers for kinds that do not return the deleted object. */
export interface StatusSuccess {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Success';
  details: { name: string; group: string; kind: string; uid: string };
}

const namespaceType = requireResourceType('Namespace');
/** Namespaces the real server refuses to delete. */
const undeletableNamespaces = new Set(['default', 'kube-system', 'kube-public']);
/** Kinds whose DELETE answers the deleted object (ReturnDeletedObject); the others answer a Status. */
const returnsDeletedObject = new Set(['Pod', 'Service', 'Namespace']);

function statusSuccess(type: ResourceType, object: KubeObject): StatusSuccess {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: {
      name: object.metadata.name,
      group: type.group,
      kind: type.plural,
      uid: object.metadata.uid,
    },
  };
}

function checkPreconditions(type: ResourceType, current: KubeObject, options: DeleteOptions): void {
  const pre = options.preconditions;
  const meta = current.metadata;
  if (pre?.uid && pre.uid !== meta.uid) {
    throw apiErrors.conflict(
      type,
      meta.name,
      `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${meta.uid}`,
    );
  }
  if (pre?.resourceVersion && pre.resourceVersion !== meta.resourceVersion) {
    throw apiErrors.conflict(
      type,
      meta.name,
      `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${meta.resourceVersion}`,
    );
  }
}

/** propagationPolicy=Orphan: dependents lose their reference to the owner instead of being deleted. */
function orphanDependents(registry: Registry, owner: KubeObject): void {
  const uid = owner.metadata.uid;
  const writer = {
    manager: 'kube-controller-manager',
    subresource: 'main' as const,
    dryRun: false,
  };
  for (const type of resourceTypes) {
    for (const dependent of registry.store.list(type)) {
      if (!(dependent.metadata.ownerReferences ?? []).some((r) => r.uid === uid)) continue;
      registry.mutate(type, dependent.metadata.namespace, dependent.metadata.name, writer, (o) => {
        o.metadata.ownerReferences = (o.metadata.ownerReferences ?? []).filter(
          (r) => r.uid !== uid,
        );
        if (o.metadata.ownerReferences.length === 0) delete o.metadata.ownerReferences;
      });
    }
  }
}

/**
 * DELETE as the real server does it: preconditions; an object with
 * finalizers (and every namespace) is only marked (deletionTimestamp, and
 * phase Terminating for a namespace) and goes once its finalizers are gone
 * or the namespace is empty; anything else goes at once, and its
 * dependents follow in the background, through the garbage collector.
 */
export function deleteObject(
  registry: Registry,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  options: DeleteOptions,
): { object: KubeObject | StatusSuccess; finished: boolean } {
  const current = registry.get(type, namespace, name);
  checkPreconditions(type, current, options);
  if (type === namespaceType && undeletableNamespaces.has(name)) {
    throw apiErrors.forbidden(type, name, 'this namespace may not be deleted');
  }
  if (type === namespaceType || (current.metadata.finalizers ?? []).length > 0) {
    if (current.metadata.deletionTimestamp) return { object: current, finished: false };
    const marked = clone(current);
    marked.metadata.deletionTimestamp = timestamp();
    marked.metadata.deletionGracePeriodSeconds = 0;
    if (type === namespaceType) {
      marked.status = {
        ...(isJsonObject(marked.status) ? marked.status : {}),
        phase: 'Terminating',
      };
    }
    if (options.dryRun) return { object: marked, finished: false };
    const stored = registry.store.put(type, marked, current);
    registry.afterDelete();
    return { object: stored, finished: false };
  }
  if (options.dryRun) return { object: current, finished: true };
  if (options.propagationPolicy === 'Orphan') orphanDependents(registry, current);
  const gone = registry.finishDeletion(type, current);
  return {
    object: returnsDeletedObject.has(type.kind) ? gone : statusSuccess(type, gone),
    finished: true,
  };
}
