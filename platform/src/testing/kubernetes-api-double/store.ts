import { clone, type KubeObject } from './objects.ts';
import type { ResourceType } from './resource-types.ts';

export type StoredEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One change, kept for watchers: what etcd's watch history gives the real apiserver. */
export interface StoredEvent {
  type: StoredEventType;
  resourceVersion: number;
  resource: ResourceType;
  object: KubeObject;
  /** The object before this change, so a filtered watch can tell "left the selection" from "changed". */
  previous?: KubeObject;
}

function resourceKey(type: ResourceType): string {
  return `${type.group}/${type.plural}`;
}

function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

/** Stored objects are frozen, so reads can share them (no copy per read) and no caller can change one behind the store's back. */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * Objects in memory with one global, increasing resourceVersion (as etcd's
 * revision) and a bounded history of changes to replay to watchers. What
 * reads return is frozen: a caller that wants to change an object clones
 * it first (the registry does).
 */
export class ObjectStore {
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly history: StoredEvent[] = [];
  private readonly listeners = new Set<(event: StoredEvent) => void>();
  private revision = 1;
  /** Highest revision whose event is no longer in history: watches from before it get 410 Gone. */
  private compactedRevision = 0;

  constructor(private readonly historyLimit: number) {}

  get resourceVersion(): number {
    return this.revision;
  }

  get oldestWatchableResourceVersion(): number {
    return this.compactedRevision;
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.objects.get(resourceKey(type))?.get(objectKey(namespace, name));
  }

  /** Sorted by namespace then name, as etcd's key order gives the real server. */
  list(type: ResourceType, namespace?: string): KubeObject[] {
    const all = [...(this.objects.get(resourceKey(type))?.entries() ?? [])]
      .filter(([, o]) => namespace === undefined || o.metadata.namespace === namespace)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return all.map(([, o]) => o);
  }

  /** Stores a new or changed object under a fresh resourceVersion and returns what was stored. */
  put(type: ResourceType, object: KubeObject, previous?: KubeObject): KubeObject {
    this.revision += 1;
    const stored = clone(object);
    stored.metadata.resourceVersion = String(this.revision);
    deepFreeze(stored);
    let byName = this.objects.get(resourceKey(type));
    if (!byName) {
      byName = new Map();
      this.objects.set(resourceKey(type), byName);
    }
    byName.set(objectKey(stored.metadata.namespace, stored.metadata.name), stored);
    this.record({
      type: previous ? 'MODIFIED' : 'ADDED',
      resourceVersion: this.revision,
      resource: type,
      object: stored,
      ...(previous ? { previous: deepFreeze(previous) } : {}),
    });
    return stored;
  }

  /** Removes an object; like etcd, the deletion itself takes a new revision. */
  remove(type: ResourceType, object: KubeObject): KubeObject | undefined {
    const key = objectKey(object.metadata.namespace, object.metadata.name);
    const byName = this.objects.get(resourceKey(type));
    const stored = byName?.get(key);
    if (!byName || !stored) return undefined;
    byName.delete(key);
    this.revision += 1;
    const gone = clone(stored);
    gone.metadata.resourceVersion = String(this.revision);
    deepFreeze(gone);
    this.record({
      type: 'DELETED',
      resourceVersion: this.revision,
      resource: type,
      object: gone,
      previous: stored,
    });
    return gone;
  }

  /** Events after `resourceVersion`, or 'expired' when some of them have left the history. */
  eventsSince(resourceVersion: number): StoredEvent[] | 'expired' {
    if (resourceVersion < this.compactedRevision) return 'expired';
    return this.history.filter((e) => e.resourceVersion > resourceVersion);
  }

  /** Forgets all history, as an etcd compaction does: every older resourceVersion now answers 410. */
  compact(): void {
    this.history.length = 0;
    this.compactedRevision = this.revision;
  }

  subscribe(listener: (event: StoredEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private record(event: StoredEvent): void {
    this.history.push(event);
    while (this.history.length > this.historyLimit) {
      const dropped = this.history.shift();
      if (dropped) this.compactedRevision = dropped.resourceVersion;
    }
    for (const listener of [...this.listeners]) listener(event);
  }
}
