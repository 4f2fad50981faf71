/**
 * The resource kinds the double serves, as the real discovery documents
 * describe them. One table drives routing, discovery, OpenAPI and printing,
 * so a kind added here is served everywhere at once.
 */
export interface ResourceType {
  /** '' for the core group. */
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** Has a `/status` subresource: main-resource writes keep status, status writes keep the rest. */
  statusSubresource: boolean;
  /** Has a `/scale` subresource (autoscaling/v1 Scale over spec.replicas). */
  scaleSubresource: boolean;
}

type ResourceTypeInput = Pick<ResourceType, 'group' | 'version' | 'kind' | 'plural'> &
  Partial<Omit<ResourceType, 'group' | 'version' | 'kind' | 'plural'>>;

function resourceType(input: ResourceTypeInput): ResourceType {
  return {
    singular: input.kind.toLowerCase(),
    namespaced: true,
    shortNames: [],
    categories: [],
    statusSubresource: false,
    scaleSubresource: false,
    ...input,
  };
}

export const resourceTypes: readonly ResourceType[] = [
  resourceType({
    group: '',
    version: 'v1',
    kind: 'Namespace',
    plural: 'namespaces',
    namespaced: false,
    shortNames: ['ns'],
    statusSubresource: true,
  }),
  resourceType({
    group: '',
    version: 'v1',
    kind: 'Pod',
    plural: 'pods',
    shortNames: ['po'],
    categories: ['all'],
    statusSubresource: true,
  }),
  resourceType({
    group: '',
    version: 'v1',
    kind: 'Service',
    plural: 'services',
    shortNames: ['svc'],
    categories: ['all'],
    statusSubresource: true,
  }),
  resourceType({ group: '', version: 'v1', kind: 'Secret', plural: 'secrets' }),
  resourceType({
    group: '',
    version: 'v1',
    kind: 'ConfigMap',
    plural: 'configmaps',
    shortNames: ['cm'],
  }),
  resourceType({
    group: '',
    version: 'v1',
    kind: 'ServiceAccount',
    plural: 'serviceaccounts',
    shortNames: ['sa'],
  }),
  resourceType({
    group: '',
    version: 'v1',
    kind: 'ResourceQuota',
    plural: 'resourcequotas',
    shortNames: ['quota'],
    statusSubresource: true,
  }),
  resourceType({
    group: '',
    version: 'v1',
    kind: 'LimitRange',
    plural: 'limitranges',
    shortNames: ['limits'],
  }),
  resourceType({ group: '', version: 'v1', kind: 'Event', plural: 'events', shortNames: ['ev'] }),
  resourceType({
    group: '',
    version: 'v1',
    kind: 'PersistentVolumeClaim',
    plural: 'persistentvolumeclaims',
    shortNames: ['pvc'],
    statusSubresource: true,
  }),
  resourceType({
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    plural: 'deployments',
    shortNames: ['deploy'],
    categories: ['all'],
    statusSubresource: true,
    scaleSubresource: true,
  }),
  resourceType({
    group: 'autoscaling',
    version: 'v2',
    kind: 'HorizontalPodAutoscaler',
    plural: 'horizontalpodautoscalers',
    shortNames: ['hpa'],
    categories: ['all'],
    statusSubresource: true,
  }),
  resourceType({
    group: 'policy',
    version: 'v1',
    kind: 'PodDisruptionBudget',
    plural: 'poddisruptionbudgets',
    shortNames: ['pdb'],
    statusSubresource: true,
  }),
  resourceType({
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'NetworkPolicy',
    plural: 'networkpolicies',
    shortNames: ['netpol'],
  }),
  resourceType({
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'Ingress',
    plural: 'ingresses',
    shortNames: ['ing'],
    statusSubresource: true,
  }),
  resourceType({
    group: 'discovery.k8s.io',
    version: 'v1',
    kind: 'EndpointSlice',
    plural: 'endpointslices',
  }),
  resourceType({
    group: 'gateway.networking.k8s.io',
    version: 'v1',
    kind: 'HTTPRoute',
    plural: 'httproutes',
    categories: ['gateway-api'],
    statusSubresource: true,
  }),
];

export function apiVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

/** `deployments.apps`, `pods`: how the real server names a resource in messages. */
export function groupResourceOf(type: ResourceType): string {
  return type.group ? `${type.plural}.${type.group}` : type.plural;
}

/** `Deployment.apps`, `Pod`: how the real server names a kind in validation messages. */
export function groupKindOf(type: ResourceType): string {
  return type.group ? `${type.kind}.${type.group}` : type.kind;
}

export function findResourceType(group: string, version: string, plural: string) {
  return resourceTypes.find(
    (t) => t.group === group && t.version === version && t.plural === plural,
  );
}

export function resourceTypeOfKind(apiVersion: string, kind: string) {
  return resourceTypes.find((t) => apiVersionOf(t) === apiVersion && t.kind === kind);
}

/** The one lookup the controllers use, so a typo in a kind fails at start-up, not silently. */
export function requireResourceType(kind: string): ResourceType {
  const found = resourceTypes.find((t) => t.kind === kind);
  if (!found) throw new Error(`kubernetes-api-double: no resource type for kind ${kind}`);
  return found;
}
