import type { KubeObject, PodRunContext } from '../kubernetes-api-double/index.ts';
import { isJsonObject, type JsonObject } from '../kubernetes-api-double/objects.ts';
import { hostPathOf, type MountedVolume } from './pod-volumes.ts';

type Json = JsonObject;
const asObject = (v: unknown): Json | undefined => (isJsonObject(v) ? v : undefined);
const asArray = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isJsonObject) : []);

function decoded(kind: 'Secret' | 'ConfigMap', value: unknown): string {
  return kind === 'Secret' ? Buffer.from(String(value), 'base64').toString('utf8') : String(value);
}

/**
 * One key of a Secret or ConfigMap, as `valueFrom` reads it; undefined when
 * the reference is optional and missing. A required one missing throws (the
 * kubelet's CreateContainerConfigError), so the start is tried again later.
 */
function keyRef(
  kind: 'Secret' | 'ConfigMap',
  ref: Json,
  namespace: string,
  context: Pick<PodRunContext, 'read'>,
): string | undefined {
  const name = String(ref.name);
  const object = context.read(kind, namespace, name);
  const value = asObject(object?.data)?.[String(ref.key)];
  if (value !== undefined) return decoded(kind, value);
  if (ref.optional === true) return undefined;
  throw new Error(
    object
      ? `couldn't find key ${String(ref.key)} in ${kind} ${namespace}/${name}`
      : `${kind.toLowerCase()} "${name}" not found`,
  );
}

/** The few `fieldRef`s a pod's own metadata and address answer. */
function fieldRef(path: string, pod: KubeObject, podIp: string): string {
  switch (path) {
    case 'metadata.name':
      return pod.metadata.name;
    case 'metadata.namespace':
      return pod.metadata.namespace ?? 'default';
    case 'metadata.uid':
      return pod.metadata.uid;
    case 'status.podIP':
      return podIp;
    default:
      throw new Error(`fieldRef ${path} is not supported by this runner`);
  }
}

/**
 * A container's environment as a kubelet builds it: `envFrom` first (with
 * its prefix), then `env` in order (`value`, `valueFrom.secretKeyRef`,
 * `configMapKeyRef`, `fieldRef`), later entries winning. Values naming a
 * path under a mounted volume are rewritten to where that volume is here.
 */
export function containerEnvironment(
  pod: KubeObject,
  container: Json,
  context: Pick<PodRunContext, 'read' | 'podIp'>,
  mounts: MountedVolume[],
): Record<string, string> {
  const namespace = pod.metadata.namespace ?? 'default';
  const env: Record<string, string> = {};
  for (const source of asArray(container.envFrom)) {
    const prefix = typeof source.prefix === 'string' ? source.prefix : '';
    const secretRef = asObject(source.secretRef);
    const ref = secretRef ?? asObject(source.configMapRef);
    if (!ref) continue;
    const kind = secretRef ? 'Secret' : 'ConfigMap';
    const object = context.read(kind, namespace, String(ref.name));
    if (!object) {
      if (ref.optional === true) continue;
      throw new Error(`${kind.toLowerCase()} "${String(ref.name)}" not found`);
    }
    for (const [key, value] of Object.entries(asObject(object.data) ?? {})) {
      env[`${prefix}${key}`] = decoded(kind, value);
    }
  }
  for (const entry of asArray(container.env)) {
    const name = String(entry.name);
    const from = asObject(entry.valueFrom);
    let value: string | undefined;
    if (!from) value = typeof entry.value === 'string' ? entry.value : '';
    else if (asObject(from.secretKeyRef)) {
      value = keyRef('Secret', asObject(from.secretKeyRef) as Json, namespace, context);
    } else if (asObject(from.configMapKeyRef)) {
      value = keyRef('ConfigMap', asObject(from.configMapKeyRef) as Json, namespace, context);
    } else if (asObject(from.fieldRef)) {
      value = fieldRef(String(asObject(from.fieldRef)?.fieldPath), pod, context.podIp);
    } else {
      throw new Error(
        `env ${name}: this runner reads value, secretKeyRef, configMapKeyRef, fieldRef`,
      );
    }
    if (value !== undefined) env[name] = value;
  }
  for (const [name, value] of Object.entries(env)) env[name] = hostPathOf(value, mounts);
  return env;
}
