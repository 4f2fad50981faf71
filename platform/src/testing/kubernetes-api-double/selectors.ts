import { apiErrors } from './api-error.ts';
import { getIn, isJsonObject, type KubeObject } from './objects.ts';
import type { ResourceType } from './resource-types.ts';

type Labels = Record<string, string> | undefined;

export type LabelRequirement =
  | { key: string; op: 'exists' | '!exists' }
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'gt' | 'lt'; value: number };

/** Splits on commas outside parentheses: `a in (x,y),b` is two requirements. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

/** Parses the `labelSelector` query syntax (equality- and set-based), as labels.Parse does. */
export function parseLabelSelector(text: string): LabelRequirement[] {
  return splitTopLevel(text).map((part) => {
    const set = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
    if (set?.[1] && set[2] && set[3] !== undefined) {
      const values = set[3]
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
      return { key: set[1], op: set[2] as 'in' | 'notin', values };
    }
    const equality = /^([^!=<>\s]+)\s*(==|=|!=|>|<)\s*(\S*)$/.exec(part);
    if (equality?.[1] && equality[2]) {
      const [, key, op, value = ''] = equality;
      if (op === '>' || op === '<') {
        const n = Number(value);
        if (!Number.isInteger(n)) throw apiErrors.badRequest(`invalid label selector: ${part}`);
        return { key, op: op === '>' ? 'gt' : 'lt', value: n };
      }
      return { key, op: op === '!=' ? 'notin' : 'in', values: [value] };
    }
    const exists = /^(!?)([^!=<>\s()]+)$/.exec(part);
    if (exists?.[2]) return { key: exists[2], op: exists[1] ? '!exists' : 'exists' };
    throw apiErrors.badRequest(`unable to parse requirement: invalid label selector "${part}"`);
  });
}

export function labelsMatch(requirements: LabelRequirement[], labels: Labels): boolean {
  return requirements.every((r) => {
    const value = labels?.[r.key];
    switch (r.op) {
      case 'exists':
        return value !== undefined;
      case '!exists':
        return value === undefined;
      case 'in':
        return value !== undefined && r.values.includes(value);
      case 'notin':
        return value === undefined || !r.values.includes(value);
      case 'gt':
        return value !== undefined && Number(value) > r.value;
      case 'lt':
        return value !== undefined && Number(value) < r.value;
    }
    return false;
  });
}

/**
 * A `metav1.LabelSelector` object (matchLabels + matchExpressions), as in a
 * Deployment's or PodDisruptionBudget's spec.selector. An empty selector
 * matches everything; a missing one matches nothing.
 */
export function labelSelectorObjectMatches(selector: unknown, labels: Labels): boolean {
  if (!isJsonObject(selector)) return false;
  const requirements: LabelRequirement[] = [];
  const matchLabels = isJsonObject(selector.matchLabels) ? selector.matchLabels : {};
  for (const [key, value] of Object.entries(matchLabels)) {
    requirements.push({ key, op: 'in', values: [String(value)] });
  }
  const expressions = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
  for (const e of expressions) {
    if (!isJsonObject(e) || typeof e.key !== 'string') continue;
    const values = Array.isArray(e.values) ? e.values.map(String) : [];
    const op = String(e.operator);
    if (op === 'In') requirements.push({ key: e.key, op: 'in', values });
    else if (op === 'NotIn') requirements.push({ key: e.key, op: 'notin', values });
    else if (op === 'Exists') requirements.push({ key: e.key, op: 'exists' });
    else if (op === 'DoesNotExist') requirements.push({ key: e.key, op: '!exists' });
  }
  return labelsMatch(requirements, labels);
}

/** A Service's spec.selector: a plain map, where empty means "no selector" (no endpoints managed). */
export function serviceSelectorMatches(selector: unknown, labels: Labels): boolean {
  if (!isJsonObject(selector) || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === String(v));
}

export interface FieldRequirement {
  field: string;
  value: string;
  equal: boolean;
}

/** Per-kind field labels beyond metadata.name/namespace, as the real registries declare them. */
const extraFieldLabels: Record<string, string[]> = {
  Pod: [
    'spec.nodeName',
    'spec.restartPolicy',
    'spec.schedulerName',
    'spec.serviceAccountName',
    'status.phase',
    'status.podIP',
  ],
  Event: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'reportingComponent',
    'source',
    'type',
  ],
  Secret: ['type'],
  Namespace: ['status.phase'],
};

export function parseFieldSelector(text: string, type: ResourceType): FieldRequirement[] {
  const allowed = ['metadata.name', 'metadata.namespace', ...(extraFieldLabels[type.kind] ?? [])];
  return splitTopLevel(text).map((part) => {
    const m = /^([^!=]+)(==|=|!=)(.*)$/.exec(part);
    if (!m?.[1] || !m[2]) throw apiErrors.badRequest(`invalid field selector: ${part}`);
    const field = m[1].trim();
    if (!allowed.includes(field)) {
      throw apiErrors.badRequest(`field label not supported: ${field}`);
    }
    return { field, value: (m[3] ?? '').trim(), equal: m[2] !== '!=' };
  });
}

export function fieldsMatch(requirements: FieldRequirement[], object: KubeObject): boolean {
  return requirements.every((r) => {
    const raw = getIn(object, r.field.split('.'));
    const value = raw === undefined || raw === null ? '' : String(raw);
    return (value === r.value) === r.equal;
  });
}

/** Both selectors of a list or watch request, parsed once. */
export interface ObjectFilter {
  labels: LabelRequirement[];
  fields: FieldRequirement[];
}

export function parseObjectFilter(query: URLSearchParams, type: ResourceType): ObjectFilter {
  return {
    labels: parseLabelSelector(query.get('labelSelector') ?? ''),
    fields: parseFieldSelector(query.get('fieldSelector') ?? '', type),
  };
}

export function filterMatches(filter: ObjectFilter, object: KubeObject): boolean {
  return labelsMatch(filter.labels, object.metadata.labels) && fieldsMatch(filter.fields, object);
}
