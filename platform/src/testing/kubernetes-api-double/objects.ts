/**
 * The shapes the Kubernetes API double stores and serves. Objects stay plain
 * JSON (what travels on the wire), so nothing is lost between a request body
 * and what a later GET returns; typed views exist only for metadata, which
 * every write touches.
 */

export type JsonObject = Record<string, unknown>;

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonObject;
  subresource?: string;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  generateName?: string;
  uid: string;
  resourceVersion: string;
  generation?: number;
  creationTimestamp: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  managedFields?: ManagedFieldsEntry[];
  [field: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const keysA = Object.keys(a).filter((k) => a[k] !== undefined);
    const keysB = Object.keys(b).filter((k) => b[k] !== undefined);
    return keysA.length === keysB.length && keysA.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/** Reads a nested field; undefined when any step is missing or not an object. */
export function getIn(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (!isJsonObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

export function objectAt(value: unknown, path: readonly string[]): JsonObject | undefined {
  const found = getIn(value, path);
  return isJsonObject(found) ? found : undefined;
}

export function arrayAt(value: unknown, path: readonly string[]): unknown[] {
  const found = getIn(value, path);
  return Array.isArray(found) ? found : [];
}

/** Kubernetes serialises times to the second (metav1.Time is RFC 3339 without fractions). */
export function timestamp(ms: number = Date.now()): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const nameSuffixAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** The same alphabet and length as apiserver's generateName suffix (no vowels, no look-alikes). */
export function randomNameSuffix(length = 5): string {
  let suffix = '';
  for (let i = 0; i < length; i++) {
    suffix += nameSuffixAlphabet[Math.floor(Math.random() * nameSuffixAlphabet.length)];
  }
  return suffix;
}

/** A stable short hash in the same alphabet, for names derived from content (pod-template-hash). */
export function stableHash(text: string, length = 10): string {
  // FNV-1a, 32 bits, twice with different seeds to get enough characters.
  let out = '';
  for (let seed = 0; out.length < length; seed++) {
    let h = 0x811c9dc5 ^ seed;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    for (let i = 0; i < 6 && out.length < length; i++) {
      out += nameSuffixAlphabet[h % nameSuffixAlphabet.length];
      h = Math.floor(h / nameSuffixAlphabet.length);
    }
  }
  return out;
}

/** JSON with object keys sorted, so equal content hashes equally whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isJsonObject(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
