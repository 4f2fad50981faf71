import { findResourceType, type ResourceType, requireResourceType } from './resource-types.ts';

export interface ResourcePath {
  type: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
}

const namespaceType = requireResourceType('Namespace');

/**
 * Maps a URL path to the resource it names, as the real server's routes
 * do: `/api/v1/namespaces/{ns}/pods/{name}/status`,
 * `/apis/apps/v1/deployments` (all namespaces), `/api/v1/namespaces/{name}`.
 * Undefined for anything else (discovery, OpenAPI, unknown).
 */
export function parseResourcePath(pathname: string): ResourcePath | undefined {
  const segments = pathname
    .split('/')
    .filter((s) => s !== '')
    .map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api' && segments.length >= 3) {
    group = '';
    version = segments[1] ?? '';
    rest = segments.slice(2);
  } else if (segments[0] === 'apis' && segments.length >= 4) {
    group = segments[1] ?? '';
    version = segments[2] ?? '';
    rest = segments.slice(3);
  } else {
    return undefined;
  }
  let namespace: string | undefined;
  // `namespaces/{ns}/{plural}...` scopes a namespaced resource; `namespaces/{name}[/status]` is a Namespace.
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const namespaceSubresource =
      group === '' && rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize');
    if (!namespaceSubresource) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
  }
  const [plural, name, subresource, ...extra] = rest;
  if (!plural || extra.length > 0) return undefined;
  const type = findResourceType(group, version, plural);
  if (!type) return undefined;
  if (namespace !== undefined && !type.namespaced) return undefined;
  // A namespaced object is only addressable by name inside its namespace.
  if (type.namespaced && namespace === undefined && name !== undefined) return undefined;
  if (type === namespaceType && namespace !== undefined) return undefined;
  return {
    type,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(subresource !== undefined ? { subresource } : {}),
  };
}
