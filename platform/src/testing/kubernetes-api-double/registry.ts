import { randomUUID } from 'node:crypto';
import { apiErrors } from './api-error.ts';
import { applyDefaults, initialStatus } from './defaults.ts';
import { type DeleteOptions, deleteObject } from './deletion.ts';
import {
  type Manager,
  managersAfterUpdate,
  pruneManagers,
  type Writer,
  type WriteScope,
  writeManagers,
} from './managed-fields.ts';
import {
  clone,
  deepEqual,
  isJsonObject,
  type KubeObject,
  type ObjectMeta,
  randomNameSuffix,
  timestamp,
} from './objects.ts';
import { admitQuota, applyLimitRangeDefaults } from './quota.ts';
import {
  apiVersionOf,
  type ResourceType,
  requireResourceType,
  resourceTypes,
} from './resource-types.ts';
import { filterMatches, type ObjectFilter } from './selectors.ts';
import type { ObjectStore } from './store.ts';
import { validateObject } from './validation.ts';

export interface WriteOptions {
  /** The field manager: the `fieldManager` query parameter, or the client's user agent. */
  manager: string;
  subresource: 'main' | 'status';
  dryRun: boolean;
}

const namespaceType = requireResourceType('Namespace');

/** Metadata only the server sets; a client's copy of it is ignored on update. */
const serverMetadata = [
  'uid',
  'creationTimestamp',
  'generation',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
] as const;

/** A body may omit apiVersion and kind, but may not name another type than the URL. */
function checkKind(type: ResourceType, apiVersion: unknown, kind: unknown): void {
  if (
    (apiVersion !== undefined && apiVersion !== apiVersionOf(type)) ||
    (kind !== undefined && kind !== type.kind)
  ) {
    throw apiErrors.badRequest(
      `the API version in the data (${String(apiVersion)}) does not match the expected API version (${apiVersionOf(type)}), or the kind (${String(kind)}) is not ${type.kind}`,
    );
  }
}

function scopeOf(type: ResourceType, options: WriteOptions): WriteScope {
  return { subresource: options.subresource, statusIsSubresource: type.statusSubresource };
}

function writerOf(
  type: ResourceType,
  options: WriteOptions,
  operation: 'Apply' | 'Update',
): Writer {
  return {
    manager: options.manager,
    operation,
    apiVersion: apiVersionOf(type),
    subresource: options.subresource,
  };
}

/** Everything but metadata and status: a change there is a new generation. */
function specOf(object: KubeObject): Record<string, unknown> {
  const { metadata: _m, status: _s, ...rest } = object;
  return rest;
}

function withoutVolatileMetadata(object: KubeObject): KubeObject {
  const copy = clone(object);
  copy.metadata.resourceVersion = '';
  for (const entry of copy.metadata.managedFields ?? []) entry.time = '';
  return copy;
}

/**
 * The generic registry behind every resource (genericregistry.Store in the
 * real server): create, update, delete with metadata bookkeeping, defaults,
 * validation, admission (namespace lifecycle, LimitRange, ResourceQuota),
 * managedFields, generation and finalizers. Both the HTTP handlers and the
 * simulated controllers write through it, so they obey the same rules.
 */
export class Registry {
  constructor(
    readonly store: ObjectStore,
    /** Called after every deletion or deletion mark, for the garbage collector. */
    readonly afterDelete: () => void,
  ) {}

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const found = this.store.get(type, namespace, name);
    if (!found) throw apiErrors.notFound(type, name);
    return found;
  }

  list(
    type: ResourceType,
    namespace: string | undefined,
    filter: ObjectFilter,
    limit = 0,
    continueToken = '',
  ) {
    const resourceVersion = String(this.store.resourceVersion);
    let items = this.store.list(type, namespace).filter((o) => filterMatches(filter, o));
    if (continueToken) {
      const after = Buffer.from(continueToken, 'base64url').toString();
      items = items.filter((o) => `${o.metadata.namespace ?? ''}/${o.metadata.name}` > after);
    }
    if (limit > 0 && items.length > limit) {
      const page = items.slice(0, limit);
      const last = page[page.length - 1];
      const next = last
        ? Buffer.from(`${last.metadata.namespace ?? ''}/${last.metadata.name}`).toString(
            'base64url',
          )
        : '';
      return {
        items: page,
        resourceVersion,
        continue: next,
        remainingItemCount: items.length - limit,
      };
    }
    return { items, resourceVersion };
  }

  create(
    type: ResourceType,
    namespace: string | undefined,
    body: unknown,
    options: WriteOptions,
    applyManagers?: Manager[],
  ): KubeObject {
    if (!isJsonObject(body)) {
      throw apiErrors.badRequest('the body of the request must be a JSON object');
    }
    const { apiVersion, kind, metadata: rawMetadata, ...content } = clone(body);
    checkKind(type, apiVersion, kind);
    const metadata: Partial<ObjectMeta> = isJsonObject(rawMetadata) ? rawMetadata : {};
    if (metadata.namespace && type.namespaced && namespace && metadata.namespace !== namespace) {
      throw apiErrors.badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    if (metadata.resourceVersion) {
      throw apiErrors.internal('resourceVersion should not be set on objects to be created');
    }
    const name =
      metadata.name ||
      (metadata.generateName ? `${metadata.generateName}${randomNameSuffix()}` : '');
    if (!name) {
      throw apiErrors.invalid(type, '', [
        { field: 'metadata.name', message: 'Required value: name or generateName is required' },
      ]);
    }
    if (type.namespaced) {
      if (!namespace) {
        throw apiErrors.badRequest('a namespaced resource must be created in a namespace');
      }
      this.admitNamespace(type, namespace, name);
    }
    if (this.store.get(type, namespace, name)) throw apiErrors.alreadyExists(type, name);
    // What the client may set is kept; what the server owns is set here, whatever was sent.
    const {
      namespace: _namespace,
      deletionTimestamp: _deletionTimestamp,
      deletionGracePeriodSeconds: _gracePeriod,
      managedFields: _managedFields,
      ...clientMetadata
    } = metadata;
    const object: KubeObject = {
      apiVersion: apiVersionOf(type),
      kind: type.kind,
      metadata: {
        ...clientMetadata,
        name,
        ...(type.namespaced ? { namespace } : {}),
        uid: randomUUID(),
        resourceVersion: '',
        generation: 1,
        creationTimestamp: timestamp(),
      },
      ...content,
    };

    applyDefaults(type, object);
    if (type.kind === 'Pod') applyLimitRangeDefaults(this.store, object);
    if (type.statusSubresource) object.status = initialStatus(type, object);
    validateObject(type, object);
    admitQuota(this.store, resourceTypes, type, object);

    const scope = scopeOf(type, { ...options, subresource: 'main' });
    const managers =
      applyManagers ??
      managersAfterUpdate(undefined, object, writerOf(type, options, 'Update'), scope);
    const managedFields = writeManagers(pruneManagers(managers, object));
    if (managedFields.length > 0) object.metadata.managedFields = managedFields;
    return options.dryRun ? object : this.store.put(type, object);
  }

  /** PUT: a whole new object, with an optional resourceVersion precondition. */
  replace(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    body: unknown,
    options: WriteOptions,
  ): KubeObject {
    if (!isJsonObject(body))
      throw apiErrors.badRequest('the body of the request must be a JSON object');
    const candidate = clone(body) as KubeObject;
    checkKind(type, candidate.apiVersion, candidate.kind);
    const metadata = isJsonObject(candidate.metadata)
      ? (candidate.metadata as Partial<ObjectMeta>)
      : {};
    if (metadata.name !== undefined && metadata.name !== name) {
      throw apiErrors.badRequest(
        `the name of the object (${metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    const current = this.get(type, namespace, name);
    if (metadata.resourceVersion && metadata.resourceVersion !== current.metadata.resourceVersion) {
      throw apiErrors.staleResourceVersion(type, name);
    }
    candidate.metadata = { ...metadata, name } as ObjectMeta;
    return this.commitUpdate(type, current, candidate, options);
  }

  /**
   * The common end of every update: keep what the client may not change,
   * default, validate, record ownership, skip no-op writes (no new
   * resourceVersion, no watch event), bump generation on spec changes, and
   * finish a deletion once the last finalizer is gone.
   */
  commitUpdate(
    type: ResourceType,
    current: KubeObject,
    candidate: KubeObject,
    options: WriteOptions,
    applyManagers?: Manager[],
  ): KubeObject {
    let next: KubeObject;
    if (options.subresource === 'status') {
      next = clone(current);
      if (candidate.status === undefined) delete next.status;
      else next.status = clone(candidate.status);
    } else {
      next = clone(candidate);
      next.metadata = {
        ...(isJsonObject(next.metadata) ? next.metadata : {}),
        name: current.metadata.name,
      } as ObjectMeta;
      if (type.namespaced) next.metadata.namespace = current.metadata.namespace;
      else delete next.metadata.namespace;
      const meta: Record<string, unknown> = next.metadata;
      for (const key of serverMetadata) {
        if (current.metadata[key] === undefined) delete meta[key];
        else meta[key] = clone(current.metadata[key]);
      }
      if (type.statusSubresource) {
        if (current.status === undefined) delete next.status;
        else next.status = clone(current.status);
      }
    }
    next.apiVersion = apiVersionOf(type);
    next.kind = type.kind;
    next.metadata.resourceVersion = current.metadata.resourceVersion;

    applyDefaults(type, next, current);
    validateObject(type, next, current);

    const scope = scopeOf(type, options);
    const managers =
      applyManagers ?? managersAfterUpdate(current, next, writerOf(type, options, 'Update'), scope);
    const managedFields = writeManagers(pruneManagers(managers, next));
    if (managedFields.length > 0) next.metadata.managedFields = managedFields;
    else delete next.metadata.managedFields;

    if (deepEqual(withoutVolatileMetadata(next), withoutVolatileMetadata(current))) return current;
    if (!deepEqual(specOf(next), specOf(current)))
      next.metadata.generation = (current.metadata.generation ?? 0) + 1;
    if (options.dryRun) return next;
    if (
      next.metadata.deletionTimestamp &&
      (next.metadata.finalizers ?? []).length === 0 &&
      type !== namespaceType
    ) {
      return this.finishDeletion(type, next);
    }
    return this.store.put(type, next, current);
  }

  /** Re-reads and updates an object in place: how the simulated controllers write. */
  mutate(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    options: WriteOptions,
    change: (o: KubeObject) => void,
  ) {
    const current = this.store.get(type, namespace, name);
    if (!current) return undefined;
    const candidate = clone(current);
    change(candidate);
    // Controllers re-assert state on every pass; an unchanged object skips the write pipeline.
    if (deepEqual(candidate, current)) return current;
    return this.commitUpdate(type, current, candidate, options);
  }

  /** DELETE, with preconditions, finalizers, graceful namespaces and cascading (see deletion.ts). */
  delete(type: ResourceType, namespace: string | undefined, name: string, options: DeleteOptions) {
    return deleteObject(this, type, namespace, name, options);
  }

  /** Removes an object for good and lets the garbage collector look for its dependents. */
  finishDeletion(type: ResourceType, object: KubeObject): KubeObject {
    const gone = this.store.remove(type, object) ?? object;
    this.afterDelete();
    return gone;
  }

  /** NamespaceLifecycle admission: no new content in a missing or terminating namespace. */
  private admitNamespace(type: ResourceType, namespace: string, name: string): void {
    const ns = this.store.get(namespaceType, undefined, namespace);
    if (!ns) throw apiErrors.notFound(namespaceType, namespace);
    if (ns.metadata.deletionTimestamp) {
      throw apiErrors.forbidden(
        type,
        name,
        `unable to create new content in namespace ${namespace} because it is being terminated`,
      );
    }
  }
}
