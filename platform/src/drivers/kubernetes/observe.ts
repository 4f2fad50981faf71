import type { DeploymentCondition, FailureReason } from '@gov/contract';
import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import type { ObservedVersion } from '../driver.ts';
import { annotation, label } from './labels.ts';

interface Failure {
  reason: FailureReason;
  message: string;
}

/** Why a version's pods do not run, from what the kubelet and controllers report. */
export function podFailure(deployment: V1Deployment, pods: V1Pod[]): Failure | undefined {
  for (const c of deployment.status?.conditions ?? []) {
    if (
      c.type === 'ReplicaFailure' &&
      c.status === 'True' &&
      /exceeded quota/i.test(c.message ?? '')
    ) {
      return {
        reason: 'quota_exceeded',
        message: c.message ?? 'the ministry’s quota is exhausted',
      };
    }
    if (
      c.type === 'Progressing' &&
      c.status === 'False' &&
      c.reason === 'ProgressDeadlineExceeded'
    ) {
      return {
        reason: 'rollout_deadline',
        message: `the version was not available in time: ${c.message ?? 'progress deadline exceeded'}`,
      };
    }
  }
  for (const pod of pods) {
    for (const status of pod.status?.containerStatuses ?? []) {
      const waiting = status.state?.waiting;
      const last = status.lastState?.terminated;
      if (waiting?.reason === 'ImagePullBackOff' || waiting?.reason === 'ErrImagePull') {
        return {
          reason: 'image_pull',
          message: `the runtime image cannot be pulled: ${waiting.message ?? waiting.reason}`,
        };
      }
      if (last?.reason === 'OOMKilled') {
        return {
          reason: 'memory_limit',
          message: 'the app reached its memory limit and the kernel stopped it',
        };
      }
      if (waiting?.reason === 'CrashLoopBackOff') {
        return {
          reason: 'crash_loop',
          message: `the app keeps exiting (${status.restartCount} restarts${last?.exitCode !== undefined ? `, last exit code ${last.exitCode}` : ''})`,
        };
      }
    }
  }
  return undefined;
}

function condition(
  type: DeploymentCondition['type'],
  status: boolean,
  failure: Failure | undefined,
  previous: DeploymentCondition | undefined,
): DeploymentCondition {
  const reasoned = status === (type === 'Available') ? undefined : failure;
  return {
    type,
    status,
    reason: reasoned?.reason ?? null,
    message: reasoned?.message ?? null,
    since: previous && previous.status === status ? previous.since : new Date().toISOString(),
  };
}

/**
 * A version as the cluster shows it: its Deployment's status and its pods'
 * states become the conditions every driver reports. A version that never
 * became available is Failed once a failure is definite (crash loop, image
 * pull, quota, deadline); one that served before never is: it is
 * Progressing with the reason, and the platform keeps it.
 */
export function observeVersion(
  deployment: V1Deployment,
  pods: V1Pod[],
  previous: ObservedVersion | undefined,
  everAvailable: boolean,
): ObservedVersion {
  const meta = deployment.metadata ?? {};
  const labels = meta.labels ?? {};
  const annotations = meta.annotations ?? {};
  const status = deployment.status ?? {};
  const ready = status.availableReplicas ?? 0;
  // A version with Durable Objects waiting for the previous holder's pod
  // to go wants its one pod all the same: it is progressing, not done.
  const objects = annotations[annotation.objects];
  const desired = objects === 'waiting' ? 1 : (deployment.spec?.replicas ?? 1);
  const current = (status.observedGeneration ?? 0) >= (meta.generation ?? 0);
  const failure = ready > 0 ? undefined : podFailure(deployment, pods);
  const servedBefore = everAvailable || annotations[annotation.servedBefore] === 'true';
  const definite =
    failure !== undefined &&
    (failure.reason !== 'crash_loop' ||
      pods.some((p) =>
        (p.status?.containerStatuses ?? []).some((c) => (c.restartCount ?? 0) >= 2),
      ));
  const failed = !servedBefore && definite;
  const byType = new Map((previous?.conditions ?? []).map((c) => [c.type, c]));
  return {
    deploymentId: labels[label.deploymentId] ?? '',
    appId: labels[label.appId] ?? '',
    ministryId: labels[label.ministryId] ?? '',
    generation: annotations[annotation.generation] ?? '',
    instances: { desired, ready },
    idle: false,
    conditions: [
      condition('Available', ready > 0, failure, byType.get('Available')),
      condition(
        'Progressing',
        !failed && (ready < desired || !current),
        failure,
        byType.get('Progressing'),
      ),
      condition('Failed', failed, failure, byType.get('Failed')),
    ],
    detail: failure?.message ?? null,
  };
}
