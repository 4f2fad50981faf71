import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { KubeObject, PodRunContext } from '../kubernetes-api-double/index.ts';
import { isJsonObject, type JsonObject } from '../kubernetes-api-double/objects.ts';

/** A container's mount path and the directory standing in for it on this machine. */
export interface MountedVolume {
  mountPath: string;
  dir: string;
}

type Json = JsonObject;
const asObject = (v: unknown): Json | undefined => (isJsonObject(v) ? v : undefined);
const asArray = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isJsonObject) : []);

/** Each key of a Secret (base64) or ConfigMap (text, or base64 under binaryData), as bytes. */
function filesOf(kind: 'Secret' | 'ConfigMap', object: KubeObject): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const data = asObject(object.data) ?? {};
  for (const [key, value] of Object.entries(data)) {
    files.set(key, Buffer.from(String(value), kind === 'Secret' ? 'base64' : 'utf8'));
  }
  for (const [key, value] of Object.entries(asObject(object.binaryData) ?? {})) {
    files.set(key, Buffer.from(String(value), 'base64'));
  }
  return files;
}

/** Only the listed keys, under their paths, when the volume names `items`. */
function selected(files: Map<string, Buffer>, items: Json[]): Map<string, Buffer> {
  if (items.length === 0) return files;
  const out = new Map<string, Buffer>();
  for (const item of items) {
    const bytes = files.get(String(item.key));
    if (bytes) out.set(String(item.path ?? item.key), bytes);
  }
  return out;
}

/**
 * Writes the volumes a pod's container mounts as directories under `root`,
 * as a kubelet would: Secret and ConfigMap volumes as one file per key
 * (with their defaultMode), emptyDir as an empty directory, a
 * PersistentVolumeClaim as a directory that outlives the pod. A Secret or
 * ConfigMap that does not exist yet (and is not optional) throws, so the
 * pod is started again later, as a kubelet waits for the mount.
 */
export async function materialiseVolumes(
  pod: KubeObject,
  container: Json,
  context: Pick<PodRunContext, 'read'>,
  root: string,
  /** Where claims' data lives across pods (one directory per namespace and claim); none: refused. */
  claimsRoot?: string,
): Promise<MountedVolume[]> {
  const namespace = pod.metadata.namespace ?? 'default';
  const volumes = new Map(
    asArray(asObject(pod.spec)?.volumes).map((v) => [String(v.name), v] as const),
  );
  const mounted: MountedVolume[] = [];
  for (const mount of asArray(container.volumeMounts)) {
    const volume = volumes.get(String(mount.name));
    if (!volume) throw new Error(`volume "${String(mount.name)}" is not declared by the pod`);
    const dir = path.join(root, 'volumes', String(mount.name));
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const claim = asObject(volume.persistentVolumeClaim);
    if (claim) {
      if (!claimsRoot) throw new Error(`volume "${String(mount.name)}": no claims here`);
      // A claim outlives its pods: the next pod of the same claim finds the data.
      const claimDir = path.join(claimsRoot, namespace, String(claim.claimName));
      await mkdir(claimDir, { recursive: true, mode: 0o700 });
      mounted.push({ mountPath: String(mount.mountPath), dir: claimDir });
      continue;
    }
    const secret = asObject(volume.secret);
    const configMap = asObject(volume.configMap);
    const source = secret ?? configMap;
    if (source) {
      const kind = secret ? 'Secret' : 'ConfigMap';
      const name = String(secret ? secret.secretName : configMap?.name);
      const object = context.read(kind, namespace, name);
      if (!object && source.optional !== true) {
        throw new Error(`MountVolume.SetUp failed: ${kind.toLowerCase()} "${name}" not found`);
      }
      const mode = typeof source.defaultMode === 'number' ? source.defaultMode : 0o644;
      const files = object ? selected(filesOf(kind, object), asArray(source.items)) : new Map();
      for (const [key, bytes] of files) {
        const file = path.join(dir, key);
        await mkdir(path.dirname(file), { recursive: true });
        await writeFile(file, bytes);
        // The test's own user owns the files, so no mode can lock it out of them.
        await chmod(file, mode | 0o400);
      }
    } else if (!asObject(volume.emptyDir)) {
      throw new Error(
        `volume "${String(mount.name)}" is neither a Secret, a ConfigMap nor an emptyDir: not supported here`,
      );
    }
    mounted.push({ mountPath: String(mount.mountPath), dir });
  }
  return mounted;
}

/** A path inside the container, rewritten to where its volume is on this machine. */
export function hostPathOf(value: string, mounts: MountedVolume[]): string {
  // The deepest mount first: /a/b wins over /a for /a/b/c.
  const byDepth = [...mounts].sort((a, b) => b.mountPath.length - a.mountPath.length);
  for (const { mountPath, dir } of byDepth) {
    const prefix = mountPath.endsWith('/') ? mountPath : `${mountPath}/`;
    if (value === mountPath) return dir;
    if (value.startsWith(prefix)) return path.join(dir, value.slice(prefix.length));
  }
  return value;
}
