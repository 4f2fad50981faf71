import { apiErrors } from './api-error.ts';
import { isJsonObject, type KubeObject, objectAt } from './objects.ts';
import { jsonMergePatch, jsonPatch } from './patches.ts';
import type { Registry, WriteOptions } from './registry.ts';
import type { ResourceType } from './resource-types.ts';

/** The autoscaling/v1 Scale view of a Deployment, as `kubectl scale` and HPAs read and write it. */
export function scaleOf(object: KubeObject) {
  const matchLabels = objectAt(object, ['spec', 'selector', 'matchLabels']) ?? {};
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: object.metadata.name,
      namespace: object.metadata.namespace,
      uid: object.metadata.uid,
      resourceVersion: object.metadata.resourceVersion,
      creationTimestamp: object.metadata.creationTimestamp,
    },
    spec: { replicas: objectAt(object, ['spec'])?.replicas ?? 0 },
    status: {
      replicas: objectAt(object, ['status'])?.replicas ?? 0,
      selector: Object.entries(matchLabels)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(','),
    },
  };
}

/** PUT or PATCH of `/scale`: only spec.replicas reaches the object, under the writer's name. */
export function writeScale(
  registry: Registry,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  method: string,
  contentType: string,
  body: string,
  options: WriteOptions,
) {
  const current = registry.get(type, namespace, name);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw apiErrors.badRequest('the body of the request must be JSON');
  }
  const scale = scaleOf(current);
  const desired =
    method === 'PUT'
      ? parsed
      : contentType.startsWith('application/json-patch+json')
        ? jsonPatch(scale, parsed)
        : jsonMergePatch(scale, parsed);
  const replicas = objectAt(desired, ['spec'])?.replicas;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw apiErrors.unprocessable(
      `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
    );
  }
  const rv = isJsonObject(desired) ? objectAt(desired, ['metadata'])?.resourceVersion : undefined;
  if (rv !== undefined && rv !== current.metadata.resourceVersion)
    throw apiErrors.staleResourceVersion(type, name);
  const next = registry.mutate(type, namespace, name, options, (o) => {
    o.spec = { ...objectAt(o, ['spec']), replicas };
  });
  return scaleOf(next ?? current);
}
