import { loadYaml } from '@kubernetes/client-node';
import { apiErrors } from './api-error.ts';
import { isJsonObject, type JsonObject, type KubeObject } from './objects.ts';
import { jsonMergePatch, jsonPatch, strategicMergePatch } from './patches.ts';
import type { Registry, WriteOptions } from './registry.ts';
import { apiVersionOf, type ResourceType } from './resource-types.ts';
import { applyToExisting, managersForApplyCreate } from './server-side-apply.ts';

export interface PatchOptions extends WriteOptions {
  /** Only server-side apply takes these: a manager is required, and force takes contested fields. */
  fieldManagerGiven: boolean;
  force: boolean;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (e) {
    throw apiErrors.badRequest(`error decoding patch: ${(e as Error).message}`);
  }
}

/** Apply bodies are YAML (JSON is YAML too, and is what kubectl and client-node send). */
function parseApplyBody(body: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = body.trimStart().startsWith('{') ? JSON.parse(body) : loadYaml(body);
  } catch (e) {
    throw apiErrors.badRequest(`error decoding YAML: ${(e as Error).message}`);
  }
  if (!isJsonObject(parsed)) throw apiErrors.badRequest('an apply patch must be a single object');
  return parsed;
}

function checkApplyIdentity(type: ResourceType, name: string, applied: JsonObject): void {
  if (applied.apiVersion !== apiVersionOf(type) || applied.kind !== type.kind) {
    throw apiErrors.badRequest(
      `the API version in the data (${String(applied.apiVersion)}) does not match the expected API version (${apiVersionOf(type)}) or kind (${String(applied.kind)} is not ${type.kind})`,
    );
  }
  const metaName = isJsonObject(applied.metadata) ? applied.metadata.name : undefined;
  if (metaName !== name) {
    throw apiErrors.badRequest(
      `the name of the object (${String(metaName)}) does not match the name on the URL (${name})`,
    );
  }
}

function checkResourceVersion(type: ResourceType, current: KubeObject, patched: unknown): void {
  const rv =
    isJsonObject(patched) && isJsonObject(patched.metadata)
      ? patched.metadata.resourceVersion
      : undefined;
  if (rv !== undefined && rv !== current.metadata.resourceVersion) {
    throw apiErrors.staleResourceVersion(type, current.metadata.name);
  }
}

/**
 * PATCH in its four content types. Merge, strategic and JSON patches
 * rewrite the live object and go through an ordinary update; server-side
 * apply merges with field ownership and creates the object if it is
 * missing.
 */
export function patchObject(
  registry: Registry,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  contentType: string,
  body: string,
  options: PatchOptions,
): { object: KubeObject; created: boolean } {
  const mediaType = contentType.split(';')[0]?.trim() ?? '';
  if (mediaType === 'application/apply-patch+yaml') {
    if (!options.fieldManagerGiven) {
      throw apiErrors.unprocessable(
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
      );
    }
    const applied = parseApplyBody(body);
    checkApplyIdentity(type, name, applied);
    const writer = {
      manager: options.manager,
      operation: 'Apply' as const,
      apiVersion: apiVersionOf(type),
      subresource: options.subresource,
    };
    const scope = { subresource: options.subresource, statusIsSubresource: type.statusSubresource };
    const current = registry.store.get(type, namespace, name);
    if (!current) {
      if (options.subresource === 'status') throw apiErrors.notFound(type, name);
      const object = registry.create(
        type,
        namespace,
        applied,
        options,
        managersForApplyCreate(applied, writer, scope),
      );
      return { object, created: true };
    }
    checkResourceVersion(type, current, applied);
    const result = applyToExisting(current, applied, writer, scope, options.force);
    return {
      object: registry.commitUpdate(type, current, result.object, options, result.managers),
      created: false,
    };
  }

  const current = registry.get(type, namespace, name);
  let patched: unknown;
  if (mediaType === 'application/merge-patch+json')
    patched = jsonMergePatch(current, parseJson(body));
  else if (mediaType === 'application/strategic-merge-patch+json')
    patched = strategicMergePatch(current, parseJson(body));
  else if (mediaType === 'application/json-patch+json')
    patched = jsonPatch(current, parseJson(body));
  else throw apiErrors.unsupportedMediaType(contentType);
  if (!isJsonObject(patched)) throw apiErrors.unprocessable('the patch must leave an object');
  checkResourceVersion(type, current, patched);
  return {
    object: registry.commitUpdate(type, current, patched as KubeObject, options),
    created: false,
  };
}
