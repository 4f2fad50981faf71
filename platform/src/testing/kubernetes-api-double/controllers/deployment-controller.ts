import { KubernetesApiError } from '../api-error.ts';
import {
  arrayAt,
  canonicalJson,
  clone,
  type JsonObject,
  type KubeObject,
  objectAt,
  stableHash,
} from '../objects.ts';
import type { Registry } from '../registry.ts';
import { requireResourceType } from '../resource-types.ts';
import { conditionOf, withCondition, withoutCondition } from './conditions.ts';
import { recordEvent } from './events.ts';
import { rollingBounds } from './rollout-math.ts';

const deploymentType = requireResourceType('Deployment');
const podType = requireResourceType('Pod');
const controller = {
  manager: 'kube-controller-manager',
  subresource: 'main' as const,
  dryRun: false,
};
const statusWriter = { ...controller, subresource: 'status' as const };
const failedCreateRetryMs = 250;

function isReady(pod: KubeObject): boolean {
  return conditionOf(pod, 'Ready')?.status === 'True';
}

/** Not-ready pods go first, then the newest: the order a ReplicaSet scales down in. */
function deletionOrder(pods: KubeObject[]): KubeObject[] {
  return [...pods].sort((a, b) => {
    const readyDiff = Number(isReady(a)) - Number(isReady(b));
    if (readyDiff !== 0) return readyDiff;
    return b.metadata.creationTimestamp.localeCompare(a.metadata.creationTimestamp);
  });
}

interface Progress {
  hash: string;
  lastProgressMs: number;
  counts: { updated: number; ready: number; available: number; old: number };
}

/**
 * The deployment controller, without a ReplicaSet layer: pods are owned by
 * the Deployment directly and carry the pod-template-hash label of the
 * template they were made from. It rolls by maxSurge/maxUnavailable (or
 * Recreate), and writes the status and conditions `kubectl rollout
 * status` reads: Available, Progressing (NewReplicaSetAvailable,
 * ReplicaSetUpdated, ProgressDeadlineExceeded) and ReplicaFailure
 * (FailedCreate, e.g. "exceeded quota").
 */
export class DeploymentController {
  private readonly progress = new Map<string, Progress>();
  private readonly failures = new Map<string, { atMs: number; message: string }>();

  constructor(private readonly registry: Registry) {}

  reconcile(nowMs: number): void {
    const deployments = this.registry.store.list(deploymentType);
    const alive = new Set(deployments.map((d) => d.metadata.uid));
    for (const uid of this.progress.keys()) if (!alive.has(uid)) this.progress.delete(uid);
    for (const uid of this.failures.keys()) if (!alive.has(uid)) this.failures.delete(uid);
    for (const d of deployments) {
      if (d.metadata.deletionTimestamp) continue;
      try {
        this.reconcileOne(d, nowMs);
      } catch (e) {
        if (!(e instanceof KubernetesApiError)) throw e;
        // Changed or deleted meanwhile: the next pass starts from the new state.
      }
    }
  }

  private ownedPods(d: KubeObject): KubeObject[] {
    return this.registry.store
      .list(podType, d.metadata.namespace)
      .filter((p) => !p.metadata.deletionTimestamp)
      .filter((p) =>
        (p.metadata.ownerReferences ?? []).some((r) => r.uid === d.metadata.uid && r.controller),
      );
  }

  private reconcileOne(d: KubeObject, nowMs: number): void {
    const spec = objectAt(d, ['spec']) ?? {};
    const desired = typeof spec.replicas === 'number' ? spec.replicas : 1;
    const template = objectAt(spec, ['template']) ?? {};
    const hash = stableHash(canonicalJson(template));
    const replicaSetName = `${d.metadata.name}-${hash}`;
    const isNew = (p: KubeObject) => p.metadata.labels?.['pod-template-hash'] === hash;
    let failure: string | undefined;
    const lastFailure = this.failures.get(d.metadata.uid);

    let pods = this.ownedPods(d);
    const recreate = objectAt(spec, ['strategy'])?.type === 'Recreate';
    const { maxSurge, maxUnavailable } = rollingBounds(spec, desired);
    let newPods = pods.filter(isNew);
    let oldPods = pods.filter((p) => !isNew(p));

    if (recreate && oldPods.length > 0) {
      for (const p of oldPods) this.deletePod(p);
    } else {
      const maxTotal = recreate ? desired : desired + maxSurge;
      const toCreate = Math.max(0, Math.min(maxTotal - pods.length, desired - newPods.length));
      // A failed create is retried after a pause (the real controller backs off), not on every pass.
      if (toCreate > 0 && lastFailure && nowMs - lastFailure.atMs < failedCreateRetryMs) {
        failure = lastFailure.message;
      } else {
        for (let i = 0; i < toCreate && !failure; i++) {
          failure = this.createPod(d, template, hash, replicaSetName);
        }
        if (failure) this.failures.set(d.metadata.uid, { atMs: nowMs, message: failure });
        else this.failures.delete(d.metadata.uid);
      }
      for (const p of deletionOrder(newPods).slice(0, Math.max(0, newPods.length - desired)))
        this.deletePod(p);
    }

    pods = this.ownedPods(d);
    newPods = pods.filter(isNew);
    oldPods = pods.filter((p) => !isNew(p));
    if (!recreate && oldPods.length > 0) {
      // ReconcileOldReplicaSets: never drop below desired - maxUnavailable available pods.
      const newUnavailable = newPods.filter((p) => !isReady(p)).length;
      let budget = pods.length - (desired - maxUnavailable) - newUnavailable;
      for (const p of deletionOrder(oldPods)) {
        if (budget <= 0) break;
        this.deletePod(p);
        budget -= 1;
      }
      pods = this.ownedPods(d);
      newPods = pods.filter(isNew);
      oldPods = pods.filter((p) => !isNew(p));
    }

    this.writeStatus(d, nowMs, {
      hash,
      replicaSetName,
      desired,
      minAvailable: desired - maxUnavailable,
      replicas: pods.length,
      updated: newPods.length,
      ready: pods.filter(isReady).length,
      old: oldPods.length,
      failure,
    });
  }

  private createPod(
    d: KubeObject,
    template: JsonObject,
    hash: string,
    replicaSetName: string,
  ): string | undefined {
    const templateMeta = objectAt(template, ['metadata']) ?? {};
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${replicaSetName}-`,
        namespace: d.metadata.namespace,
        labels: { ...(objectAt(templateMeta, ['labels']) ?? {}), 'pod-template-hash': hash },
        ...(templateMeta.annotations ? { annotations: clone(templateMeta.annotations) } : {}),
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: d.metadata.name,
            uid: d.metadata.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: clone(objectAt(template, ['spec']) ?? {}),
    };
    try {
      this.registry.create(podType, d.metadata.namespace, pod, controller);
      return undefined;
    } catch (e) {
      if (!(e instanceof KubernetesApiError)) throw e;
      recordEvent(
        this.registry,
        d,
        'Warning',
        'FailedCreate',
        `Error creating: ${e.message}`,
        'replicaset-controller',
      );
      return e.message;
    }
  }

  private deletePod(pod: KubeObject): void {
    try {
      this.registry.delete(podType, pod.metadata.namespace, pod.metadata.name, { dryRun: false });
    } catch {
      // Already gone.
    }
  }

  private writeStatus(
    d: KubeObject,
    nowMs: number,
    s: {
      hash: string;
      replicaSetName: string;
      desired: number;
      minAvailable: number;
      replicas: number;
      updated: number;
      ready: number;
      old: number;
      failure: string | undefined;
    },
  ): void {
    const available = s.ready;
    const counts = { updated: s.updated, ready: s.ready, available, old: s.old };
    const previous = this.progress.get(d.metadata.uid);
    const deadlineMs = Number(objectAt(d, ['spec'])?.progressDeadlineSeconds ?? 600) * 1000;
    const complete = s.updated === s.desired && s.replicas === s.desired && available === s.desired;
    const progressed =
      previous !== undefined &&
      (counts.updated > previous.counts.updated ||
        counts.ready > previous.counts.ready ||
        counts.available > previous.counts.available ||
        counts.old < previous.counts.old);
    const priorReason = conditionOf(d, 'Progressing')?.reason;

    let progressing: { status: 'True' | 'False'; reason: string; message: string } | undefined;
    if (!previous || previous.hash !== s.hash) {
      this.progress.set(d.metadata.uid, { hash: s.hash, lastProgressMs: nowMs, counts });
      progressing = complete
        ? {
            status: 'True',
            reason: 'NewReplicaSetAvailable',
            message: `ReplicaSet "${s.replicaSetName}" has successfully progressed.`,
          }
        : {
            status: 'True',
            reason: 'NewReplicaSetCreated',
            message: `Created new replica set "${s.replicaSetName}"`,
          };
    } else if (complete) {
      previous.counts = counts;
      progressing = {
        status: 'True',
        reason: 'NewReplicaSetAvailable',
        message: `ReplicaSet "${s.replicaSetName}" has successfully progressed.`,
      };
    } else if (progressed) {
      previous.counts = counts;
      previous.lastProgressMs = nowMs;
      progressing = {
        status: 'True',
        reason: 'ReplicaSetUpdated',
        message: `ReplicaSet "${s.replicaSetName}" is progressing.`,
      };
    } else if (
      priorReason !== 'NewReplicaSetAvailable' &&
      nowMs - previous.lastProgressMs > deadlineMs
    ) {
      previous.counts = counts;
      progressing = {
        status: 'False',
        reason: 'ProgressDeadlineExceeded',
        message: `ReplicaSet "${s.replicaSetName}" has timed out progressing.`,
      };
    } else {
      previous.counts = counts;
    }

    this.registry.mutate(
      deploymentType,
      d.metadata.namespace,
      d.metadata.name,
      statusWriter,
      (o) => {
        const status = objectAt(o, ['status']) ?? {};
        let conditions = arrayAt(status, ['conditions']);
        conditions = withCondition(
          conditions,
          available >= s.minAvailable
            ? {
                type: 'Available',
                status: 'True',
                reason: 'MinimumReplicasAvailable',
                message: 'Deployment has minimum availability.',
              }
            : {
                type: 'Available',
                status: 'False',
                reason: 'MinimumReplicasUnavailable',
                message: 'Deployment does not have minimum availability.',
              },
          'lastUpdateTime',
        );
        if (progressing)
          conditions = withCondition(
            conditions,
            { type: 'Progressing', ...progressing },
            'lastUpdateTime',
          );
        conditions = s.failure
          ? withCondition(
              conditions,
              {
                type: 'ReplicaFailure',
                status: 'True',
                reason: 'FailedCreate',
                message: s.failure,
              },
              undefined,
            )
          : withoutCondition(conditions, 'ReplicaFailure');
        // Zero counts are omitted, as the real status's omitempty fields are.
        const count = (name: string, n: number) => (n > 0 ? { [name]: n } : {});
        o.status = {
          observedGeneration: o.metadata.generation,
          ...count('replicas', s.replicas),
          ...count('updatedReplicas', s.updated),
          ...count('readyReplicas', s.ready),
          ...count('availableReplicas', available),
          ...count('unavailableReplicas', Math.max(0, Math.max(s.replicas, s.desired) - available)),
          conditions,
        };
      },
    );
  }
}
