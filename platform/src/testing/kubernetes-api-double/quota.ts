import { apiErrors } from './api-error.ts';
import { arrayAt, isJsonObject, type KubeObject, objectAt } from './objects.ts';
import { exceeds, formatQuantity, parseQuantity } from './quantity.ts';
import { groupResourceOf, type ResourceType, requireResourceType } from './resource-types.ts';
import type { ObjectStore } from './store.ts';

const podType = requireResourceType('Pod');

/** Quota names the real evaluators give compute resources; `cpu` and `memory` mean their requests. */
const computeResources: Record<
  string,
  { field: 'requests' | 'limits'; resource: 'cpu' | 'memory' }
> = {
  cpu: { field: 'requests', resource: 'cpu' },
  memory: { field: 'requests', resource: 'memory' },
  'requests.cpu': { field: 'requests', resource: 'cpu' },
  'requests.memory': { field: 'requests', resource: 'memory' },
  'limits.cpu': { field: 'limits', resource: 'cpu' },
  'limits.memory': { field: 'limits', resource: 'memory' },
};

/** Legacy quota names for object counts, besides the general `count/<resource>`. */
const legacyCountNames: Record<string, string> = {
  pods: 'pods',
  services: 'services',
  secrets: 'secrets',
  configmaps: 'configmaps',
  resourcequotas: 'resourcequotas',
};

function countNames(type: ResourceType): string[] {
  const names = [`count/${groupResourceOf(type)}`];
  const legacy = type.group === '' ? legacyCountNames[type.plural] : undefined;
  if (legacy) names.push(legacy);
  return names;
}

function podIsTerminal(pod: KubeObject): boolean {
  const phase = objectAt(pod, ['status'])?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** What one object adds to each resource a quota can name. */
function usageOf(type: ResourceType, object: KubeObject, hard: string[]): Map<string, number> {
  const usage = new Map<string, number>();
  for (const name of countNames(type)) usage.set(name, 1);
  if (type.kind !== 'Pod') return usage;
  for (const name of hard) {
    const compute = computeResources[name];
    if (!compute) continue;
    let sum = 0;
    for (const c of arrayAt(object, ['spec', 'containers'])) {
      sum += parseQuantity(objectAt(c, ['resources', compute.field])?.[compute.resource]) ?? 0;
    }
    usage.set(name, sum);
  }
  return usage;
}

function hardLimits(quota: KubeObject): Map<string, number> {
  const hard = new Map<string, number>();
  for (const [name, value] of Object.entries(objectAt(quota, ['spec', 'hard']) ?? {})) {
    const parsed = parseQuantity(value);
    if (parsed !== undefined) hard.set(name, parsed);
  }
  return hard;
}

/** Current use of every resource a quota limits, over the objects now in its namespace. */
export function quotaUsage(store: ObjectStore, quota: KubeObject, types: readonly ResourceType[]) {
  const hard = hardLimits(quota);
  const used = new Map<string, number>([...hard.keys()].map((k) => [k, 0]));
  const namespace = quota.metadata.namespace;
  for (const type of types) {
    if (!type.namespaced) continue;
    const relevant =
      countNames(type).some((n) => hard.has(n)) ||
      (type === podType && [...hard.keys()].some((k) => k in computeResources));
    if (!relevant) continue;
    for (const object of store.list(type, namespace)) {
      if (type === podType && podIsTerminal(object)) continue;
      for (const [name, amount] of usageOf(type, object, [...hard.keys()])) {
        if (used.has(name)) used.set(name, (used.get(name) ?? 0) + amount);
      }
    }
  }
  return { hard, used };
}

function pretty(values: Map<string, number>, names: string[]): string {
  return [...names]
    .sort()
    .map((n) => `${n}=${formatQuantity(n, values.get(n) ?? 0)}`)
    .join(',');
}

/**
 * The ResourceQuota admission check: refuses (403) an object whose usage
 * would take any quota of its namespace over a hard limit, with the
 * message of the real plugin ("exceeded quota: ..."), and a pod that does
 * not say its requests or limits for a resource a quota limits.
 */
export function admitQuota(
  store: ObjectStore,
  types: readonly ResourceType[],
  type: ResourceType,
  object: KubeObject,
): void {
  if (!type.namespaced) return;
  const quotaType = requireResourceType('ResourceQuota');
  for (const quota of store.list(quotaType, object.metadata.namespace)) {
    const { hard, used } = quotaUsage(store, quota, types);
    const requested = usageOf(type, object, [...hard.keys()]);
    if (type === podType) {
      const missing: string[] = [];
      for (const name of hard.keys()) {
        const compute = computeResources[name];
        if (!compute) continue;
        const without = arrayAt(object, ['spec', 'containers'])
          .filter(
            (c) => objectAt(c, ['resources', compute.field])?.[compute.resource] === undefined,
          )
          .map((c) => (isJsonObject(c) ? String(c.name) : ''));
        if (without.length > 0)
          missing.push(`${compute.field}.${compute.resource} for: ${without.join(',')}`);
      }
      if (missing.length > 0) {
        throw apiErrors.forbidden(
          type,
          object.metadata.name,
          `failed quota: ${quota.metadata.name}: must specify ${missing.join('; ')}`,
        );
      }
    }
    const over = [...hard.keys()].filter((name) => {
      const more = requested.get(name);
      return more !== undefined && exceeds((used.get(name) ?? 0) + more, hard.get(name) ?? 0);
    });
    if (over.length > 0) {
      throw apiErrors.forbidden(
        type,
        object.metadata.name,
        `exceeded quota: ${quota.metadata.name}, requested: ${pretty(requested, over)}, used: ${pretty(used, over)}, limited: ${pretty(hard, over)}`,
      );
    }
  }
}

/** The LimitRanger plugin's defaulting: container requests and limits a LimitRange supplies. */
export function applyLimitRangeDefaults(store: ObjectStore, pod: KubeObject): void {
  const limitRanges = store.list(requireResourceType('LimitRange'), pod.metadata.namespace);
  for (const range of limitRanges) {
    for (const item of arrayAt(range, ['spec', 'limits'])) {
      if (!isJsonObject(item) || item.type !== 'Container') continue;
      const defaultLimits = isJsonObject(item.default) ? item.default : {};
      // Per resource, a default limit without a default request is also the default request.
      const defaultRequests = {
        ...defaultLimits,
        ...(isJsonObject(item.defaultRequest) ? item.defaultRequest : {}),
      };
      for (const c of arrayAt(pod, ['spec', 'containers'])) {
        if (!isJsonObject(c)) continue;
        const resources = isJsonObject(c.resources) ? c.resources : {};
        const limits = isJsonObject(resources.limits) ? resources.limits : {};
        const requests = isJsonObject(resources.requests) ? resources.requests : {};
        for (const [r, v] of Object.entries(defaultLimits)) limits[r] ??= v;
        for (const [r, v] of Object.entries(defaultRequests)) requests[r] ??= v;
        if (Object.keys(limits).length > 0) resources.limits = limits;
        if (Object.keys(requests).length > 0) resources.requests = requests;
        c.resources = resources;
      }
    }
  }
}
