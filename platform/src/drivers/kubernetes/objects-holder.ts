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
    observed: { deploymentExists: boolean; otherPodsRun: boolean },
  ): Promise<{ state: ObjectsState; took: boolean }> {
    this.#specs.set(spec.deploymentId, spec);
    let holder = this.#holders.get(spec.appId) ?? (await this.#read(spec));
    const took =
      holder !== spec.deploymentId && (holder === undefined || !observed.deploymentExists);
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
    return record?.metadata?.annotations?.[annotation.objectsHolder];
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
