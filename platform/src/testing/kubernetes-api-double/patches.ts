import { apiErrors } from './api-error.ts';
import { effectiveListType, itemKey } from './field-paths.ts';
import { clone, deepEqual, isJsonObject, type JsonObject } from './objects.ts';

/** RFC 7386 JSON merge patch: objects merge, `null` deletes, anything else replaces. */
export function jsonMergePatch(target: unknown, patch: unknown): unknown {
  if (!isJsonObject(patch)) return clone(patch);
  const out: JsonObject = isJsonObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = jsonMergePatch(out[key], value);
  }
  return out;
}

function withoutDirectives(item: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(item).filter(([k]) => !k.startsWith('$')));
}

/**
 * Strategic merge patch (kubectl's and client-node's default patch type):
 * a merge patch that merges keyed lists by their merge key and honours
 * `$patch: delete|replace` and `$deleteFromPrimitiveList`. Ordering
 * directives (`$setElementOrder`, `$retainKeys`) are accepted and ignored.
 */
export function strategicMergePatch(
  target: unknown,
  patch: unknown,
  names: string[] = [],
): unknown {
  if (!isJsonObject(patch)) return clone(patch);
  if (patch.$patch === 'replace') return withoutDirectives(patch);
  const out: JsonObject = isJsonObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key.startsWith('$setElementOrder/') || key === '$retainKeys') continue;
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      const list = out[field];
      if (Array.isArray(list) && Array.isArray(value)) {
        out[field] = list.filter((v) => !value.some((d) => deepEqual(d, v)));
      }
      continue;
    }
    const path = [...names, key];
    if (value === null || (isJsonObject(value) && value.$patch === 'delete')) {
      delete out[key];
    } else if (Array.isArray(value) && Array.isArray(out[key])) {
      out[key] = mergeList(out[key] as unknown[], value, path);
    } else if (isJsonObject(value)) {
      out[key] = strategicMergePatch(out[key], value, path);
    } else {
      out[key] = clone(value);
    }
  }
  return out;
}

function mergeList(live: unknown[], patch: unknown[], names: string[]): unknown[] {
  const listType = effectiveListType(names, [
    ...live,
    ...patch.filter((p) => !(isJsonObject(p) && p.$patch)),
  ]);
  if (listType.type === 'set') {
    return [...live, ...patch.filter((p) => !live.some((l) => deepEqual(l, p)))];
  }
  if (listType.type !== 'map') return clone(patch);
  // Strategic merge patch merges on the first key only (patchMergeKey).
  const keys = listType.keys.slice(0, 1);
  const out = [...live] as JsonObject[];
  for (const item of patch as JsonObject[]) {
    const index = out.findIndex((i) => itemKey(i, keys) === itemKey(item, keys));
    const existing = out[index];
    if (item.$patch === 'delete') {
      if (existing) out.splice(index, 1);
    } else if (existing) {
      out[index] = strategicMergePatch(existing, item, names) as JsonObject;
    } else {
      out.push(withoutDirectives(item));
    }
  }
  return out;
}

function pointer(path: unknown): string[] {
  if (typeof path !== 'string' || (path !== '' && !path.startsWith('/'))) {
    throw apiErrors.unprocessable(`invalid JSON pointer: ${String(path)}`);
  }
  return path
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: unknown, tokens: string[]): { parent: unknown; last: string } {
  let parent = doc;
  for (const token of tokens.slice(0, -1)) {
    parent = Array.isArray(parent)
      ? parent[Number(token)]
      : isJsonObject(parent)
        ? parent[token]
        : undefined;
    if (parent === undefined)
      throw apiErrors.unprocessable(`doc is missing path: ${tokens.join('/')}`);
  }
  return { parent, last: tokens[tokens.length - 1] ?? '' };
}

function read(doc: unknown, tokens: string[]): unknown {
  if (tokens.length === 0) return doc;
  const { parent, last } = parentOf(doc, tokens);
  const value = Array.isArray(parent)
    ? parent[Number(last)]
    : isJsonObject(parent)
      ? parent[last]
      : undefined;
  if (value === undefined)
    throw apiErrors.unprocessable(`doc is missing path: /${tokens.join('/')}`);
  return value;
}

function remove(doc: unknown, tokens: string[]): void {
  const { parent, last } = parentOf(doc, tokens);
  read(doc, tokens);
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else if (isJsonObject(parent)) delete parent[last];
}

function add(doc: unknown, tokens: string[], value: unknown): void {
  const { parent, last } = parentOf(doc, tokens);
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) {
      throw apiErrors.unprocessable(`invalid array index: ${last}`);
    }
    parent.splice(index, 0, clone(value));
  } else if (isJsonObject(parent)) {
    parent[last] = clone(value);
  } else {
    throw apiErrors.unprocessable(`doc is missing path: /${tokens.join('/')}`);
  }
}

/** RFC 6902 JSON patch. */
export function jsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations))
    throw apiErrors.badRequest('a JSON patch must be a list of operations');
  const doc = { root: clone(target) };
  for (const op of operations) {
    if (!isJsonObject(op)) throw apiErrors.badRequest('a JSON patch operation must be an object');
    const path = ['root', ...pointer(op.path)];
    switch (op.op) {
      case 'add':
        add(doc, path, op.value);
        break;
      case 'remove':
        remove(doc, path);
        break;
      case 'replace':
        remove(doc, path);
        add(doc, path, op.value);
        break;
      case 'move': {
        const from = ['root', ...pointer(op.from)];
        const value = read(doc, from);
        remove(doc, from);
        add(doc, path, value);
        break;
      }
      case 'copy':
        add(doc, path, read(doc, ['root', ...pointer(op.from)]));
        break;
      case 'test':
        if (!deepEqual(read(doc, path), op.value)) {
          throw apiErrors.unprocessable(`testing value /${path.slice(1).join('/')} failed`);
        }
        break;
      default:
        throw apiErrors.badRequest(`unknown JSON patch operation: ${String(op.op)}`);
    }
  }
  return doc.root;
}
