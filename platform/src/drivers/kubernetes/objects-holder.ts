import type { V1ConfigMap } from '@kubernetes/client-node';
import type { VersionSpec } from '../driver.ts';
import type { KubeApi } from './kube-api.ts';
import { annotation, appRecordName, ministryNamespace, OBJECTS_FIELD_MANAGER } from './labels.ts';

/** Where a version with Durable Objects stands: see VersionManifestOptions.objects. */
export type ObjectsState = 'holding' | 'waiting' | 'released';

/**
 * Which version of an app holds its Durable Objects on the cluster: one pod
 * at a time mounts the app's objects' volume, since workerd keeps each
 * object in memory beside its files. A version applied for the first time
 * (no Deployment yet: a deploy, or a rollback to a version already removed)
 * takes them; the previous holder is scaled to zero, and the new one gets
 * its pod once nothing of the previous one runs: a short pause, as the
 * embedded default's lease and a Recreate rollout have. The holder is
 * written on the app record (an annotation of its own field manager), so a
 * restarted control plane finds it again.
 */
export class ObjectsHolders {
  readonly #api: KubeApi;
  readonly #holders = new Map<string, string>();
  /** The last applied spec of each version with objects, to scale it down or up again. */
  readonly #specs = new Map<string, VersionSpec>();

  constructor(api: KubeApi) {
    this.#api = api;
  }

  /**
   * The state `spec` is applied in, and whether it just took the objects
   * (then the other versions of the app are to be applied again, released).
   */
  async stateOf(
    spec: VersionSpec,
    observed: {
      deploymentExists: boolean;
      otherPodsRun: boolean;
      /** Whether a version's Deployment is on the cluster. */
      exists: (deploymentId: string) => boolean;
    },
  ): Promise<{ state: ObjectsState; took: boolean }> {
    this.#specs.set(spec.deploymentId, spec);
    let holder = this.#holders.get(spec.appId) ?? (await this.#read(spec));
    // A holder that is gone (removed, failed, deleted while the control
    // plane was down) holds nothing: the version applied now takes them.
    const took =
      holder !== spec.deploymentId &&
      (holder === undefined || !observed.deploymentExists || !observed.exists(holder));
    if (took) {
      holder = spec.deploymentId;
      await this.#write(spec, holder);
    }
    this.#holders.set(spec.appId, holder ?? spec.deploymentId);
    if (holder !== spec.deploymentId) return { state: 'released', took };
    return { state: observed.otherPodsRun ? 'waiting' : 'holding', took };
  }

  /** The other versions of the app that were applied with objects. */
  othersOf(spec: VersionSpec): VersionSpec[] {
    return [...this.#specs.values()].filter(
      (s) => s.appId === spec.appId && s.deploymentId !== spec.deploymentId,
    );
  }

  /** The holder's spec, when known: applied again once the previous holder's pods are gone. */
  holderOf(appId: string): VersionSpec | undefined {
    const holder = this.#holders.get(appId);
    return holder === undefined ? undefined : this.#specs.get(holder);
  }

  /**
   * A version is removed: forgotten, and if it held the objects (a new
   * version that failed, say), the app's other version applied last gets
   * them back. Returns that version, for the driver to apply again.
   */
  async release(
    deploymentId: string,
    exists: (id: string) => boolean,
  ): Promise<VersionSpec | undefined> {
    const spec = this.#specs.get(deploymentId);
    this.#specs.delete(deploymentId);
    if (!spec || this.#holders.get(spec.appId) !== deploymentId) return undefined;
    this.#holders.delete(spec.appId);
    await this.#write(spec, '');
    return this.othersOf(spec)
      .filter((s) => exists(s.deploymentId))
      .sort((a, b) => b.version - a.version)[0];
  }

  forget(deploymentId: string): void {
    this.#specs.delete(deploymentId);
  }

  async #read(spec: VersionSpec): Promise<string | undefined> {
    const record = await this.#api.read<V1ConfigMap>({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: appRecordName(spec.app),
      namespace: ministryNamespace(spec.ministry),
    });
    // Empty: released by a removed holder, nobody holds them.
    return record?.metadata?.annotations?.[annotation.objectsHolder] || undefined;
  }

  async #write(spec: VersionSpec, holder: string): Promise<void> {
    await this.#api.apply(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: appRecordName(spec.app),
          namespace: ministryNamespace(spec.ministry),
          annotations: { [annotation.objectsHolder]: holder },
        },
      },
      OBJECTS_FIELD_MANAGER,
    );
  }
}
