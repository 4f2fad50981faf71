import { apiVersionOf, type ResourceType, resourceTypes } from './resource-types.ts';

/**
 * Discovery documents, in the legacy (unaggregated) form. kubectl asks for
 * the aggregated form first (Accept: ...;as=APIGroupDiscoveryList) and
 * falls back to these when the response's Content-Type is plain JSON.
 */
const verbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export const kubernetesVersion = { major: '1', minor: '32', gitVersion: 'v1.32.0' };

export function versionDocument() {
  return {
    major: kubernetesVersion.major,
    minor: kubernetesVersion.minor,
    gitVersion: `${kubernetesVersion.gitVersion}+kubernetes-api-double`,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2025-01-01T00:00:00Z',
    goVersion: 'go1.23.0',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

export function apiVersionsDocument(serverAddress: string) {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupVersions() {
  const groups = new Map<string, string[]>();
  for (const t of resourceTypes) {
    if (t.group === '') continue;
    const versions = groups.get(t.group) ?? [];
    if (!versions.includes(t.version)) versions.push(t.version);
    groups.set(t.group, versions);
  }
  return groups;
}

function groupDocument(name: string, versions: string[]) {
  const entries = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions: entries, preferredVersion: entries[0] };
}

export function apiGroupListDocument() {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groupVersions()].map(([name, versions]) => groupDocument(name, versions)),
  };
}

export function apiGroupDocument(group: string) {
  const versions = groupVersions().get(group);
  return versions
    ? { kind: 'APIGroup', apiVersion: 'v1', ...groupDocument(group, versions) }
    : undefined;
}

function resourceEntries(t: ResourceType) {
  const entries: Record<string, unknown>[] = [
    {
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs,
      ...(t.shortNames.length > 0 ? { shortNames: t.shortNames } : {}),
      ...(t.categories.length > 0 ? { categories: t.categories } : {}),
    },
  ];
  if (t.statusSubresource) {
    entries.push({
      name: `${t.plural}/status`,
      singularName: '',
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: ['get', 'patch', 'update'],
    });
  }
  if (t.scaleSubresource) {
    entries.push({
      name: `${t.plural}/scale`,
      singularName: '',
      namespaced: t.namespaced,
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale',
      verbs: ['get', 'patch', 'update'],
    });
  }
  return entries;
}

export function apiResourceListDocument(group: string, version: string) {
  const types = resourceTypes.filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: group ? `${group}/${version}` : version,
    resources: types.flatMap(resourceEntries),
  };
}

/** Where a group/version lives in URLs: `api/v1`, `apis/apps/v1`. */
function urlPrefix(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

const openApiHash = 'kubernetes-api-double-1';

/** The OpenAPI v3 index: one document per group/version. */
export function openApiV3Index() {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const t of resourceTypes) {
    const prefix = urlPrefix(t.group, t.version);
    paths[prefix] = { serverRelativeURL: `/openapi/v3/${prefix}?hash=${openApiHash}` };
  }
  return { paths };
}

const patchParameters = ['dryRun', 'fieldManager', 'fieldValidation', 'force'].map((name) => ({
  name,
  in: 'query',
  schema: { type: name === 'force' ? 'boolean' : 'string', uniqueItems: true },
}));

/**
 * A group/version's OpenAPI v3 document, reduced to what kubectl reads from
 * it: for each kind, a PATCH operation tagged with its group/version/kind
 * and declaring the `fieldValidation` parameter. That tells kubectl to
 * leave validation to the server (the query-parameter verifier), so it
 * needs no schemas. `kubectl explain` gets nothing useful from it.
 */
export function openApiV3Document(prefix: string) {
  const types = resourceTypes.filter((t) => urlPrefix(t.group, t.version) === prefix);
  if (types.length === 0) return undefined;
  const paths: Record<string, unknown> = {};
  for (const t of types) {
    const base = `/${prefix}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.plural}/{name}`;
    paths[base] = {
      patch: {
        operationId: `patch${t.namespaced ? 'Namespaced' : ''}${t.kind}`,
        parameters: patchParameters,
        responses: { '200': { description: 'OK' } },
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': { group: t.group, version: t.version, kind: t.kind },
      },
    };
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes API double', version: apiVersionOf(types[0] as ResourceType) },
    paths,
    components: { schemas: {} },
  };
}
