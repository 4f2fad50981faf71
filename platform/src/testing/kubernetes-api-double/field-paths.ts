import { canonicalJson, deepEqual, isJsonObject, type JsonObject } from './objects.ts';

/**
 * Field paths as structured-merge-diff names them: `f:<field>` for a field,
 * `k:{...}` for an item of a list keyed by some of its fields, `v:<json>` for
 * a member of a set-like list. A path is stored as one string (elements
 * joined by a control character) so sets of paths are plain `Set<string>`.
 */
export type FieldPathSet = Set<string>;

const separator = '\u0001';

export function joinPath(elements: readonly string[]): string {
  return elements.join(separator);
}

export function splitPath(path: string): string[] {
  return path === '' ? [] : path.split(separator);
}

/** True when `descendant` lies strictly inside `ancestor`. */
export function isInside(descendant: string, ancestor: string): boolean {
  return descendant.startsWith(ancestor + separator);
}

export type ListType = { type: 'map'; keys: string[] } | { type: 'set' } | { type: 'atomic' };

/**
 * The list types of the built-in schemas (x-kubernetes-list-type and
 * list-map-keys), for the lists a workload manifest uses. Any other list is
 * atomic, which is also what a CRD without markers (HTTPRoute) gets.
 */
const keyedLists: Record<string, string[]> = {
  containers: ['name'],
  initContainers: ['name'],
  ephemeralContainers: ['name'],
  env: ['name'],
  volumes: ['name'],
  volumeMounts: ['mountPath'],
  volumeDevices: ['devicePath'],
  imagePullSecrets: ['name'],
  hostAliases: ['ip'],
  conditions: ['type'],
  ownerReferences: ['uid'],
  resourceClaims: ['name'],
  topologySpreadConstraints: ['topologyKey', 'whenUnsatisfiable'],
};
const containerLists = new Set(['containers', 'initContainers', 'ephemeralContainers']);

/** `fieldNames`: the field names from the root down to the list, without list keys. */
export function listTypeAt(fieldNames: readonly string[]): ListType {
  const name = fieldNames[fieldNames.length - 1] ?? '';
  const parent = fieldNames[fieldNames.length - 2] ?? '';
  if (name === 'finalizers') return { type: 'set' };
  if (name === 'ports' && containerLists.has(parent)) {
    return { type: 'map', keys: ['containerPort', 'protocol'] };
  }
  // A Service's spec.ports; other `ports` lists (NetworkPolicy rules) are atomic.
  if (name === 'ports' && fieldNames.length === 2 && parent === 'spec') {
    return { type: 'map', keys: ['port', 'protocol'] };
  }
  const keys = keyedLists[name];
  return keys ? { type: 'map', keys } : { type: 'atomic' };
}

/** `protocol` is a key with a default, so an item that omits it is the TCP item. */
function keyValue(item: JsonObject, key: string): unknown {
  return key === 'protocol' && item[key] === undefined ? 'TCP' : item[key];
}

export function itemKey(item: JsonObject, keys: readonly string[]): string {
  const key: JsonObject = {};
  for (const k of keys) key[k] = keyValue(item, k);
  return `k:${canonicalJson(key)}`;
}

/** A keyed list whose items lack their keys cannot be merged by key: treat it as atomic. */
export function effectiveListType(
  fieldNames: readonly string[],
  items: readonly unknown[],
): ListType {
  const declared = listTypeAt(fieldNames);
  if (declared.type === 'map') {
    const keyed = items.every(
      (i) => isJsonObject(i) && declared.keys.every((k) => k === 'protocol' || i[k] !== undefined),
    );
    return keyed ? declared : { type: 'atomic' };
  }
  if (declared.type === 'set' && items.some((i) => typeof i === 'object' && i !== null)) {
    return { type: 'atomic' };
  }
  return declared;
}

/** Every field a value sets, at the granularity structured-merge-diff tracks ownership. */
export function fieldSetOf(value: JsonObject): FieldPathSet {
  const out: FieldPathSet = new Set();
  walkObject(value, [], [], out);
  return out;
}

function walkObject(obj: JsonObject, path: string[], names: string[], out: FieldPathSet): void {
  for (const [field, value] of Object.entries(obj)) {
    if (value === undefined) continue;
    walkValue(value, [...path, `f:${field}`], [...names, field], out);
  }
}

function walkValue(value: unknown, path: string[], names: string[], out: FieldPathSet): void {
  if (isJsonObject(value) && Object.keys(value).length > 0) {
    walkObject(value, path, names, out);
    return;
  }
  if (Array.isArray(value) && value.length > 0) {
    const listType = effectiveListType(names, value);
    if (listType.type === 'map') {
      for (const item of value as JsonObject[]) {
        const itemPath = [...path, itemKey(item, listType.keys)];
        out.add(joinPath(itemPath));
        walkObject(item, itemPath, names, out);
      }
      return;
    }
    if (listType.type === 'set') {
      for (const item of value) out.add(joinPath([...path, `v:${JSON.stringify(item)}`]));
      return;
    }
  }
  // A scalar, null, an empty map or list, or an atomic list: owned as one leaf.
  out.add(joinPath(path));
}

function parseKey(element: string): JsonObject {
  const parsed: unknown = JSON.parse(element.slice(2));
  return isJsonObject(parsed) ? parsed : {};
}

function findItemIndex(list: unknown[], element: string): number {
  if (element.startsWith('k:')) {
    const key = parseKey(element);
    return list.findIndex(
      (item) =>
        isJsonObject(item) &&
        Object.entries(key).every(([k, v]) => deepEqual(keyValue(item, k), v)),
    );
  }
  if (element.startsWith('v:')) {
    const wanted: unknown = JSON.parse(element.slice(2));
    return list.findIndex((item) => deepEqual(item, wanted));
  }
  return -1;
}

/** The value a path names in an object, or `{ found: false }`. */
export function valueAt(root: unknown, path: string): { found: boolean; value?: unknown } {
  let current: unknown = root;
  for (const element of splitPath(path)) {
    if (element.startsWith('f:')) {
      if (!isJsonObject(current)) return { found: false };
      const field = element.slice(2);
      if (!(field in current) || current[field] === undefined) return { found: false };
      current = current[field];
    } else {
      if (!Array.isArray(current)) return { found: false };
      const index = findItemIndex(current, element);
      if (index < 0) return { found: false };
      current = current[index];
    }
  }
  return { found: true, value: current };
}

/** Removes what a path names; then removes maps it leaves empty, as no one asked for those. */
export function removeAt(root: JsonObject, path: string): void {
  const elements = splitPath(path);
  const containers: unknown[] = [root];
  let current: unknown = root;
  for (const element of elements.slice(0, -1)) {
    const next = valueAt(current, joinPath([element]));
    if (!next.found) return;
    current = next.value;
    containers.push(current);
  }
  const last = elements[elements.length - 1];
  if (last === undefined) return;
  deleteElement(current, last);
  // Walk back up, dropping containers that this removal emptied.
  for (let i = containers.length - 1; i > 0; i--) {
    const container = containers[i];
    const empty = isJsonObject(container)
      ? Object.keys(container).length === 0
      : Array.isArray(container) && container.length === 0;
    const element = elements[i - 1];
    if (!empty || element === undefined || !element.startsWith('f:')) return;
    deleteElement(containers[i - 1], element);
  }
}

function deleteElement(container: unknown, element: string): void {
  if (element.startsWith('f:') && isJsonObject(container)) {
    delete container[element.slice(2)];
  } else if (Array.isArray(container)) {
    const index = findItemIndex(container, element);
    if (index >= 0) container.splice(index, 1);
  }
}

/** `.spec.template.spec.containers[name="app"].image`: the form conflict messages use. */
export function describePath(path: string): string {
  return splitPath(path)
    .map((element) => {
      if (element.startsWith('f:')) return `.${element.slice(2)}`;
      if (element.startsWith('k:')) {
        const key = parseKey(element);
        const parts = Object.keys(key)
          .sort()
          .map((k) => `${k}=${JSON.stringify(key[k])}`);
        return `[${parts.join(',')}]`;
      }
      return `[=${element.slice(2)}]`;
    })
    .join('');
}

/** The `fieldsV1` tree of a set of paths: `{"f:spec":{"f:replicas":{}}}`, with `.` marking a member that also has children. */
export function encodeFieldsV1(paths: FieldPathSet): JsonObject {
  interface Node {
    member: boolean;
    children: Map<string, Node>;
  }
  const root: Node = { member: false, children: new Map() };
  for (const path of paths) {
    let node = root;
    for (const element of splitPath(path)) {
      let child = node.children.get(element);
      if (!child) {
        child = { member: false, children: new Map() };
        node.children.set(element, child);
      }
      node = child;
    }
    node.member = true;
  }
  const render = (node: Node): JsonObject => {
    const out: JsonObject = {};
    if (node.member && node.children.size > 0) out['.'] = {};
    for (const key of [...node.children.keys()].sort()) {
      const child = node.children.get(key);
      if (child) out[key] = render(child);
    }
    return out;
  };
  return render(root);
}

export function decodeFieldsV1(tree: unknown): FieldPathSet {
  const out: FieldPathSet = new Set();
  const walk = (node: unknown, path: string[]) => {
    if (!isJsonObject(node)) return;
    for (const [key, child] of Object.entries(node)) {
      if (key === '.') {
        out.add(joinPath(path));
        continue;
      }
      const childPath = [...path, key];
      if (isJsonObject(child) && Object.keys(child).length > 0) walk(child, childPath);
      else out.add(joinPath(childPath));
    }
  };
  walk(tree, []);
  return out;
}
