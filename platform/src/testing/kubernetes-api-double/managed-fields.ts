import {
  decodeFieldsV1,
  encodeFieldsV1,
  type FieldPathSet,
  fieldSetOf,
  valueAt,
} from './field-paths.ts';
import {
  deepEqual,
  isJsonObject,
  type JsonObject,
  type KubeObject,
  type ManagedFieldsEntry,
  timestamp,
} from './objects.ts';

/** Which part of an object a write may change: the main resource, or its `/status`. */
export type WriteScope = { subresource: 'main' | 'status'; statusIsSubresource: boolean };

/** Metadata the server owns; no manager ever owns these (the "reset fields" of the real server). */
const systemMetadata = new Set([
  'name',
  'namespace',
  'generateName',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
]);

/** The part of an object a manager can own through a given endpoint. */
export function trackedView(object: JsonObject, scope: WriteScope): JsonObject {
  const view: JsonObject = {};
  for (const [key, value] of Object.entries(object)) {
    if (key === 'apiVersion' || key === 'kind') continue;
    if (scope.subresource === 'status' && key !== 'status') continue;
    if (scope.subresource === 'main' && scope.statusIsSubresource && key === 'status') continue;
    if (key === 'metadata' && isJsonObject(value)) {
      const meta = Object.fromEntries(
        Object.entries(value).filter(([k]) => !systemMetadata.has(k)),
      );
      if (Object.keys(meta).length > 0) view.metadata = meta;
      continue;
    }
    view[key] = value;
  }
  return view;
}

/** One manager's ownership, decoded from a managedFields entry. */
export interface Manager {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  subresource?: string;
  fields: FieldPathSet;
}

export function readManagers(object: KubeObject | undefined): Manager[] {
  return (object?.metadata.managedFields ?? []).map((e) => ({
    manager: e.manager,
    operation: e.operation,
    apiVersion: e.apiVersion,
    time: e.time,
    ...(e.subresource ? { subresource: e.subresource } : {}),
    fields: decodeFieldsV1(e.fieldsV1),
  }));
}

export function writeManagers(managers: Manager[]): ManagedFieldsEntry[] {
  return managers
    .filter((m) => m.fields.size > 0)
    .map((m) => ({
      manager: m.manager,
      operation: m.operation,
      apiVersion: m.apiVersion,
      time: m.time,
      fieldsType: 'FieldsV1' as const,
      fieldsV1: encodeFieldsV1(m.fields),
      ...(m.subresource ? { subresource: m.subresource } : {}),
    }));
}

export interface Writer {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  subresource: 'main' | 'status';
}

export function isWriter(m: Manager, writer: Writer): boolean {
  const subresource = writer.subresource === 'status' ? 'status' : undefined;
  return (
    m.manager === writer.manager &&
    m.operation === writer.operation &&
    m.subresource === subresource
  );
}

/** Finds the writer's entry, adding an empty one if it has none yet. */
export function writerEntry(managers: Manager[], writer: Writer): Manager {
  let entry = managers.find((m) => isWriter(m, writer));
  if (!entry) {
    entry = {
      manager: writer.manager,
      operation: writer.operation,
      apiVersion: writer.apiVersion,
      time: timestamp(),
      ...(writer.subresource === 'status' ? { subresource: 'status' } : {}),
      fields: new Set(),
    };
    managers.push(entry);
  }
  entry.apiVersion = writer.apiVersion;
  entry.time = timestamp();
  return entry;
}

/** Drops ownership of fields that no longer exist, as the real server does after every write. */
export function pruneManagers(managers: Manager[], object: KubeObject): Manager[] {
  for (const m of managers) {
    for (const path of m.fields) if (!valueAt(object, path).found) m.fields.delete(path);
  }
  return managers.filter((m) => m.fields.size > 0);
}

function changedPaths(before: KubeObject | undefined, after: KubeObject, scope: WriteScope) {
  const changed: FieldPathSet = new Set();
  for (const path of fieldSetOf(trackedView(after, scope))) {
    const old = before ? valueAt(before, path) : { found: false };
    if (!old.found) {
      changed.add(path);
      continue;
    }
    // A list item "changes" only by appearing; its fields are compared one by one.
    const last = path.slice(path.lastIndexOf('\u0001') + 1);
    if (last.startsWith('k:') || last.startsWith('v:')) continue;
    if (!deepEqual(old.value, valueAt(after, path).value)) changed.add(path);
  }
  return changed;
}

/**
 * Ownership after a non-apply write (create, update, patch): the writer
 * takes every field it changed, from whoever had it, without conflicts.
 */
export function managersAfterUpdate(
  before: KubeObject | undefined,
  after: KubeObject,
  writer: Writer,
  scope: WriteScope,
): Manager[] {
  const managers = readManagers(before);
  const changed = changedPaths(before, after, scope);
  if (changed.size > 0) {
    const mine = writerEntry(managers, writer);
    for (const m of managers) {
      for (const path of changed) {
        if (m === mine) m.fields.add(path);
        else m.fields.delete(path);
      }
    }
  }
  return managers;
}
