import { apiErrors } from './api-error.ts';
import {
  describePath,
  effectiveListType,
  type FieldPathSet,
  fieldSetOf,
  isInside,
  itemKey,
  removeAt,
  splitPath,
  valueAt,
} from './field-paths.ts';
import {
  isWriter,
  type Manager,
  readManagers,
  trackedView,
  type Writer,
  type WriteScope,
  writerEntry,
} from './managed-fields.ts';
import { clone, deepEqual, isJsonObject, type JsonObject, type KubeObject } from './objects.ts';

interface Conflict {
  manager: Manager;
  path: string;
}

/** `"kubectl"`, or `"kube-controller-manager" with subresource "status" using apps/v1` for an updater, as printManager writes it. */
function describeManager(m: Manager): string {
  let text = JSON.stringify(m.manager);
  if (m.subresource) text += ` with subresource ${JSON.stringify(m.subresource)}`;
  if (m.operation === 'Update') text += ` using ${m.apiVersion}`;
  return text;
}

function conflictError(conflicts: Conflict[]) {
  const causes = conflicts.map((c) => ({
    message: `conflict with ${describeManager(c.manager)}`,
    field: describePath(c.path),
  }));
  const [only] = conflicts;
  if (conflicts.length === 1 && only) {
    return apiErrors.applyConflict(
      `Apply failed with 1 conflict: conflict with ${describeManager(only.manager)}: ${describePath(only.path)}`,
      causes,
    );
  }
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) {
    const name = describeManager(c.manager);
    byManager.set(name, [...(byManager.get(name) ?? []), describePath(c.path)]);
  }
  const lines = [...byManager.keys()]
    .sort()
    .flatMap((name) => [
      `conflicts with ${name}:`,
      ...(byManager.get(name) ?? []).map((p) => `- ${p}`),
    ]);
  return apiErrors.applyConflict(
    `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`,
    causes,
  );
}

function isListItem(path: string): boolean {
  const last = splitPath(path).pop() ?? '';
  return last.startsWith('k:') || last.startsWith('v:');
}

function mergeObjects(live: JsonObject, applied: JsonObject, names: string[]): JsonObject {
  const out: JsonObject = { ...live };
  for (const [field, value] of Object.entries(applied)) {
    if (value === undefined) continue;
    if (value === null) delete out[field];
    else out[field] = mergeValues(live[field], value, [...names, field]);
  }
  return out;
}

function mergeValues(live: unknown, applied: unknown, names: string[]): unknown {
  if (isJsonObject(live) && isJsonObject(applied)) return mergeObjects(live, applied, names);
  if (Array.isArray(live) && Array.isArray(applied)) {
    const listType = effectiveListType(names, [...live, ...applied]);
    if (listType.type === 'map') {
      const out = [...live] as JsonObject[];
      for (const item of applied as JsonObject[]) {
        const key = itemKey(item, listType.keys);
        const index = out.findIndex((i) => itemKey(i, listType.keys) === key);
        const existing = out[index];
        if (existing) out[index] = mergeObjects(existing, item, names);
        else out.push(clone(item));
      }
      return out;
    }
    if (listType.type === 'set') {
      return [...live, ...applied.filter((a) => !live.some((l) => deepEqual(l, a)))];
    }
  }
  return clone(applied);
}

export interface ApplyResult {
  object: KubeObject;
  managers: Manager[];
}

/**
 * Server-side apply onto an existing object, as structured-merge-diff does
 * it: a field the applier sets to a new value while another manager owns it
 * is a conflict (unless forced, which moves ownership to the applier);
 * fields the applier owned and no longer applies are removed unless someone
 * else still owns them; everything else in the live object is kept.
 */
export function applyToExisting(
  current: KubeObject,
  applied: JsonObject,
  writer: Writer,
  scope: WriteScope,
  force: boolean,
): ApplyResult {
  const view = trackedView(applied, scope);
  const appliedFields = fieldSetOf(view);
  const managers = readManagers(current);
  const others = managers.filter((m) => !isWriter(m, writer));

  const conflicts: Conflict[] = [];
  for (const manager of others) {
    for (const path of appliedFields) {
      if (!manager.fields.has(path) || isListItem(path)) continue;
      if (!deepEqual(valueAt(current, path).value, valueAt(view, path).value)) {
        conflicts.push({ manager, path });
      }
    }
  }
  if (conflicts.length > 0 && !force) throw conflictError(conflicts);
  for (const c of conflicts) c.manager.fields.delete(c.path);

  const mine = writerEntry(managers, writer);
  const ownedByOthers = (path: string) =>
    others.some((m) => m.fields.has(path) || [...m.fields].some((f) => isInside(f, path)));
  const dropped: FieldPathSet = new Set(
    [...mine.fields].filter((p) => !appliedFields.has(p) && !ownedByOthers(p)),
  );
  const object = clone(current) as KubeObject;
  // Deepest first, so a list item's fields go before the item itself.
  const byDepth = [...dropped].sort((a, b) => splitPath(b).length - splitPath(a).length);
  for (const path of byDepth) removeAt(object, path);

  const merged = mergeObjects(object, view, []) as KubeObject;
  mine.fields = appliedFields;
  return { object: merged, managers };
}

/** Ownership for an apply that creates the object: the applier owns exactly what it sent. */
export function managersForApplyCreate(
  applied: JsonObject,
  writer: Writer,
  scope: WriteScope,
): Manager[] {
  const managers: Manager[] = [];
  writerEntry(managers, writer).fields = fieldSetOf(trackedView(applied, scope));
  return managers;
}
