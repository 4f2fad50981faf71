import type { Registry } from './registry.ts';
import { requireResourceType, resourceTypes } from './resource-types.ts';

const namespaceType = requireResourceType('Namespace');

/**
 * The garbage collector and namespace controller, level-based: after any
 * deletion it deletes objects all of whose owners are gone (background
 * cascading deletion, so dependents go shortly after their owner), empties
 * terminating namespaces and removes them once nothing is left in them.
 */
export class GarbageCollector {
  private scheduled = false;
  private stopped = false;

  constructor(private readonly registry: Registry) {}

  schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.stopped) this.sweep();
    });
  }

  stop(): void {
    this.stopped = true;
  }

  sweep(): void {
    const store = this.registry.store;
    const uids = new Set<string>();
    for (const type of resourceTypes) for (const o of store.list(type)) uids.add(o.metadata.uid);

    for (const type of resourceTypes) {
      for (const o of store.list(type)) {
        const owners = o.metadata.ownerReferences ?? [];
        if (owners.length === 0 || owners.some((r) => uids.has(r.uid))) continue;
        this.deleteQuietly(type, o.metadata.namespace, o.metadata.name);
      }
    }

    for (const ns of store.list(namespaceType)) {
      if (!ns.metadata.deletionTimestamp) continue;
      for (const type of resourceTypes) {
        if (!type.namespaced) continue;
        for (const o of store.list(type, ns.metadata.name)) {
          if (!o.metadata.deletionTimestamp)
            this.deleteQuietly(type, o.metadata.namespace, o.metadata.name);
        }
      }
      // Objects with finalizers keep the namespace Terminating until their owners release them.
      const left = resourceTypes.some(
        (t) => t.namespaced && store.list(t, ns.metadata.name).length > 0,
      );
      if (!left) store.remove(namespaceType, ns);
    }
  }

  private deleteQuietly(
    type: (typeof resourceTypes)[number],
    namespace: string | undefined,
    name: string,
  ): void {
    try {
      this.registry.delete(type, namespace, name, {
        dryRun: false,
        propagationPolicy: 'Background',
      });
    } catch {
      // Already gone, or being finalized: the next sweep sees the new state.
    }
  }
}
