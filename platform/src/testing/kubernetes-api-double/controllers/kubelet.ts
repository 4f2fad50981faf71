import { randomBytes } from 'node:crypto';
import {
  arrayAt,
  isJsonObject,
  type JsonObject,
  type KubeObject,
  objectAt,
  timestamp,
} from '../objects.ts';
import type { Registry } from '../registry.ts';
import { requireResourceType } from '../resource-types.ts';
import { withCondition } from './conditions.ts';
import { recordEvent } from './events.ts';

/**
 * What becomes of a pod's containers once "started": they run and pass
 * readiness, crash and restart forever (CrashLoopBackOff), never get their
 * image (ImagePullBackOff), or get killed for memory and restart
 * (OOMKilled, then CrashLoopBackOff).
 */
export type PodFate = 'ready' | 'crash_loop' | 'image_pull' | 'oom_killed';

export type PodBehaviour = (pod: KubeObject) => PodFate;

export interface KubeletTiming {
  /** From a pod's creation to its containers' fate (running and ready, crashing, ...). */
  podReadyDelayMs: number;
  /** Between two restarts of a crashing container (the real back-off grows to 5 minutes). */
  crashLoopRestartIntervalMs: number;
}

const podType = requireResourceType('Pod');
const kubelet = { manager: 'kubelet', subresource: 'status' as const, dryRun: false };
export const nodeName = 'kubernetes-api-double-node';
const hostIp = '10.0.0.1';

interface PodRun {
  seenMs: number;
  fate?: PodFate;
  podIp?: string;
  lastRestartMs: number;
  restarts: number;
}

function containerNames(pod: KubeObject): { name: string; image: string }[] {
  return arrayAt(pod, ['spec', 'containers'])
    .filter(isJsonObject)
    .map((c) => ({ name: String(c.name), image: String(c.image) }));
}

function containerId(): string {
  return `containerd://${randomBytes(32).toString('hex')}`;
}

/**
 * A kubelet for a node that does not exist: it moves every pod from
 * Pending to its fate after a delay, as decided by the behaviour hook, and
 * keeps crashing pods' restart counts climbing. There are no processes.
 */
export class SimulatedKubelet {
  private readonly runs = new Map<string, PodRun>();
  private nextPodIp = 1;

  constructor(
    private readonly registry: Registry,
    private readonly timing: KubeletTiming,
    private readonly behaviour: () => PodBehaviour,
  ) {}

  reconcile(nowMs: number): void {
    const pods = this.registry.store.list(podType);
    const alive = new Set(pods.map((p) => p.metadata.uid));
    for (const uid of this.runs.keys()) if (!alive.has(uid)) this.runs.delete(uid);
    for (const pod of pods) {
      if (pod.metadata.deletionTimestamp) continue;
      let run = this.runs.get(pod.metadata.uid);
      if (!run) {
        run = { seenMs: nowMs, lastRestartMs: nowMs, restarts: 0 };
        this.runs.set(pod.metadata.uid, run);
        this.writeStatus(pod, (status) => this.scheduled(pod, status));
        continue;
      }
      if (!run.fate && nowMs - run.seenMs >= this.timing.podReadyDelayMs) {
        run.fate = this.behaviour()(pod);
        run.podIp = `10.244.${Math.floor(this.nextPodIp / 250)}.${(this.nextPodIp % 250) + 1}`;
        this.nextPodIp += 1;
        run.lastRestartMs = nowMs;
        this.writeStatus(pod, (status) => this.started(pod, run as PodRun, status));
        this.announce(pod, run.fate);
        continue;
      }
      const crashing = run.fate === 'crash_loop' || run.fate === 'oom_killed';
      if (crashing && nowMs - run.lastRestartMs >= this.timing.crashLoopRestartIntervalMs) {
        run.restarts += 1;
        run.lastRestartMs = nowMs;
        this.writeStatus(pod, (status) => this.started(pod, run as PodRun, status));
      }
    }
  }

  private writeStatus(pod: KubeObject, change: (status: JsonObject) => JsonObject): void {
    try {
      this.registry.mutate(podType, pod.metadata.namespace, pod.metadata.name, kubelet, (p) => {
        p.status = change(objectAt(p, ['status']) ?? {});
      });
    } catch {
      // Deleted meanwhile: nothing to report on.
    }
  }

  private scheduled(pod: KubeObject, status: JsonObject): JsonObject {
    return {
      ...status,
      phase: 'Pending',
      conditions: withCondition(
        arrayAt(status, ['conditions']),
        { type: 'PodScheduled', status: 'True' },
        'lastProbeTime',
      ),
      hostIP: hostIp,
      hostIPs: [{ ip: hostIp }],
      startTime: timestamp(),
      containerStatuses: containerNames(pod).map((c) => ({
        name: c.name,
        image: c.image,
        imageID: '',
        ready: false,
        started: false,
        restartCount: 0,
        state: { waiting: { reason: 'ContainerCreating' } },
        lastState: {},
      })),
    };
  }

  private started(pod: KubeObject, run: PodRun, status: JsonObject): JsonObject {
    const fate = run.fate ?? 'ready';
    const ready = fate === 'ready';
    const now = timestamp();
    const previous = arrayAt(status, ['containerStatuses']).filter(isJsonObject);
    const containers = containerNames(pod).map((c) => {
      const before = previous.find((p) => p.name === c.name);
      const base = {
        name: c.name,
        image: c.image,
        imageID: fate === 'image_pull' ? '' : `${c.image}@sha256:${'0'.repeat(64)}`,
        ...(fate === 'image_pull' ? {} : { containerID: containerId() }),
        ready,
        started: ready,
        restartCount: run.restarts,
      };
      if (fate === 'ready') {
        const startedAt = objectAt(before, ['state', 'running'])?.startedAt ?? now;
        return {
          ...base,
          ...(before?.containerID ? { containerID: before.containerID } : {}),
          state: { running: { startedAt } },
          lastState: {},
        };
      }
      if (fate === 'image_pull') {
        return {
          ...base,
          state: {
            waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${c.image}"` },
          },
          lastState: {},
        };
      }
      const oom = fate === 'oom_killed';
      return {
        ...base,
        state: {
          waiting: {
            reason: 'CrashLoopBackOff',
            message: `back-off 10s restarting failed container=${c.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`,
          },
        },
        lastState: {
          terminated: {
            exitCode: oom ? 137 : 1,
            reason: oom ? 'OOMKilled' : 'Error',
            startedAt: now,
            finishedAt: now,
            containerID: base.containerID,
          },
        },
      };
    });
    const notReady = containers.filter((c) => !c.ready).map((c) => c.name);
    const readiness = ready
      ? { status: 'True' as const }
      : {
          status: 'False' as const,
          reason: 'ContainersNotReady',
          message: `containers with unready status: [${notReady.join(' ')}]`,
        };
    let conditions = arrayAt(status, ['conditions']);
    conditions = withCondition(
      conditions,
      { type: 'PodReadyToStartContainers', status: 'True' },
      'lastProbeTime',
    );
    conditions = withCondition(
      conditions,
      { type: 'Initialized', status: 'True' },
      'lastProbeTime',
    );
    conditions = withCondition(conditions, { type: 'Ready', ...readiness }, 'lastProbeTime');
    conditions = withCondition(
      conditions,
      { type: 'ContainersReady', ...readiness },
      'lastProbeTime',
    );
    return {
      ...status,
      phase: fate === 'image_pull' ? 'Pending' : 'Running',
      conditions,
      podIP: run.podIp,
      podIPs: [{ ip: run.podIp }],
      containerStatuses: containers,
    };
  }

  private announce(pod: KubeObject, fate: PodFate): void {
    const first = containerNames(pod)[0];
    if (!first) return;
    if (fate === 'image_pull') {
      recordEvent(this.registry, pod, 'Warning', 'Failed', 'Error: ImagePullBackOff', 'kubelet');
    } else if (fate === 'crash_loop' || fate === 'oom_killed') {
      recordEvent(
        this.registry,
        pod,
        'Warning',
        'BackOff',
        `Back-off restarting failed container ${first.name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`,
        'kubelet',
      );
    }
  }
}
