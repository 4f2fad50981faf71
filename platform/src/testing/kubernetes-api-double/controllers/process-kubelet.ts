import { randomBytes, randomInt } from 'node:crypto';
import {
  arrayAt,
  clone,
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
import type { KubeletTiming } from './kubelet.ts';
import type { PodLogLine, PodProcess, PodRunner } from './pod-runner.ts';
import { type ReadinessProbe, readinessProbeOf } from './readiness-probe.ts';

const podType = requireResourceType('Pod');
const kubelet = { manager: 'kubelet', subresource: 'status' as const, dryRun: false };
const kubeletMain = { manager: 'kubelet', subresource: 'main' as const, dryRun: false };
/**
 * Held on every pod this kubelet runs, so that a deleted pod stays
 * (Terminating) until its processes are gone, as a real kubelet keeps it
 * until its containers stopped: whoever waits for a pod to disappear knows
 * nothing of it still runs.
 */
const PROCESSES_FINALIZER = 'kubelet.gov.test/processes';
const hostIp = '10.0.0.1';
/** Faster than any periodSeconds a pod asks for: a test waits for readiness, not for the period. */
const PROBE_INTERVAL_MS = 100;
/** 254 × 254 addresses of 127.77.0.0/16, none ending in .0 or .255. */
const LOOPBACK_ADDRESSES = 254 * 254;

interface PodRun {
  uid: string;
  namespace: string;
  name: string;
  podIp: string;
  seenMs: number;
  /** The next start may happen from then on (after a back-off or a refused start). */
  nextStartMs: number;
  phase: 'waiting' | 'starting' | 'running';
  /** Bumped at each start: callbacks of an earlier process are ignored. */
  attempt: number;
  process?: PodProcess;
  /** The last container's, kept after it exits, as `kubectl logs` shows until the next start. */
  lastProcess?: PodProcess;
  probe?: ReadinessProbe;
  probeTimer?: NodeJS.Timeout;
  probeFailures: number;
  ready: boolean;
  restarts: number;
  startedAt?: string;
  containerId?: string;
  waiting: { reason: string; message?: string };
  lastTerminated?: JsonObject;
  stopped: boolean;
}

/**
 * A kubelet whose pods really run, as local processes started by a test's
 * PodRunner. Each pod gets its own loopback address in 127.77.0.0/16 (all
 * of 127/8 is loopback on Linux), so two pods listening on one port do not
 * clash and the gateway reaches them as it would pod IPs. A container is
 * ready once its readiness probe answers; an exit is a restart
 * (CrashLoopBackOff, then started again after the back-off: restartPolicy
 * Always, whatever the pod says); a deleted pod's processes are stopped. No
 * isolation, limits or liveness probe: the processes are the test's own.
 */
export class ProcessKubelet {
  private readonly runs = new Map<string, PodRun>();
  private readonly stopping = new Set<Promise<void>>();
  /** Starts the runner has not finished: a pod deleted meanwhile is stopped once they do. */
  private readonly starting = new Set<Promise<void>>();
  private nextAddress = randomInt(LOOPBACK_ADDRESSES);

  constructor(
    private readonly registry: Registry,
    private readonly timing: KubeletTiming,
    private readonly runner: PodRunner,
  ) {}

  /** A pod's container output (pods/log), or undefined for a pod this kubelet does not know. */
  logsOf(namespace: string, name: string): PodLogLine[] | undefined {
    for (const run of this.runs.values()) {
      if (run.namespace === namespace && run.name === name) return run.lastProcess?.logs?.() ?? [];
    }
    return undefined;
  }

  reconcile(nowMs: number): void {
    const pods = this.registry.store
      .list(podType)
      .filter((p) => !p.metadata.deletionTimestamp)
      .map((p) => [p.metadata.uid, p] as const);
    const alive = new Map(pods);
    for (const [uid, run] of this.runs) if (!alive.has(uid)) this.stop(run);
    for (const [uid, pod] of pods) {
      const run = this.runs.get(uid);
      if (!run) {
        const created = this.admit(pod, nowMs);
        this.holdPod(created, true);
        this.writeStatus(created);
        continue;
      }
      const due = nowMs - run.seenMs >= this.timing.podReadyDelayMs && nowMs >= run.nextStartMs;
      if (run.phase === 'waiting' && due) this.start(pod, run);
    }
  }

  /** Stops every pod's processes; resolves once they are all gone. */
  async close(): Promise<void> {
    for (const run of this.runs.values()) this.stop(run);
    await Promise.all([...this.starting]);
    await Promise.all([...this.stopping]);
  }

  private admit(pod: KubeObject, nowMs: number): PodRun {
    const n = this.nextAddress++ % LOOPBACK_ADDRESSES;
    const run: PodRun = {
      uid: pod.metadata.uid,
      namespace: pod.metadata.namespace ?? 'default',
      name: pod.metadata.name,
      podIp: `127.77.${Math.floor(n / 254)}.${(n % 254) + 1}`,
      seenMs: nowMs,
      nextStartMs: nowMs,
      phase: 'waiting',
      attempt: 0,
      probe: readinessProbeOf(pod),
      probeFailures: 0,
      ready: false,
      restarts: 0,
      waiting: { reason: 'ContainerCreating' },
      stopped: false,
    };
    this.runs.set(run.uid, run);
    return run;
  }

  private start(pod: KubeObject, run: PodRun): void {
    run.phase = 'starting';
    const attempt = ++run.attempt;
    const read = (kind: 'Secret' | 'ConfigMap', namespace: string, name: string) => {
      const found = this.registry.store.get(requireResourceType(kind), namespace, name);
      return found && clone(found);
    };
    // A runner that throws at once is treated like one that rejects.
    const starting = Promise.resolve()
      .then(() => this.runner(clone(pod), { podIp: run.podIp, read }))
      .then(
        (process) => {
          if (run.stopped || attempt !== run.attempt) {
            this.stopProcess(process);
            return;
          }
          run.process = process;
          run.lastProcess = process;
          run.phase = 'running';
          run.startedAt = timestamp();
          run.containerId = `containerd://${randomBytes(32).toString('hex')}`;
          run.ready = false;
          run.probeFailures = 0;
          this.writeStatus(run);
          this.probeSoon(run, attempt, run.probe?.initialDelayMs ?? 0);
          void process.exited.then((code) => this.exited(pod, run, attempt, code));
        },
        (error: Error) => {
          if (run.stopped) return;
          run.phase = 'waiting';
          run.nextStartMs = Date.now() + this.timing.crashLoopRestartIntervalMs;
          run.waiting = { reason: 'CreateContainerConfigError', message: error.message };
          this.writeStatus(run);
        },
      );
    this.starting.add(starting);
    void starting.finally(() => this.starting.delete(starting));
  }

  private exited(pod: KubeObject, run: PodRun, attempt: number, code: number): void {
    if (run.stopped || attempt !== run.attempt) return;
    clearTimeout(run.probeTimer);
    const finishedAt = timestamp();
    run.process = undefined;
    run.phase = 'waiting';
    run.ready = false;
    run.restarts += 1;
    run.nextStartMs = Date.now() + this.timing.crashLoopRestartIntervalMs;
    run.lastTerminated = {
      exitCode: code,
      reason: code === 0 ? 'Completed' : 'Error',
      startedAt: run.startedAt ?? finishedAt,
      finishedAt,
      containerID: run.containerId,
    };
    const first = arrayAt(pod, ['spec', 'containers']).filter(isJsonObject)[0];
    const container = String(first?.name ?? 'app');
    const which = `container=${container} pod=${run.name}_${run.namespace}(${run.uid})`;
    run.waiting = { reason: 'CrashLoopBackOff', message: `back-off restarting failed ${which}` };
    this.writeStatus(run);
    recordEvent(
      this.registry,
      pod,
      'Warning',
      'BackOff',
      `Back-off restarting failed container ${container} in pod ${run.name}_${run.namespace}(${run.uid})`,
      'kubelet',
    );
  }

  private probeSoon(run: PodRun, attempt: number, delayMs: number): void {
    run.probeTimer = setTimeout(() => void this.probeOnce(run, attempt), delayMs);
    run.probeTimer.unref();
  }

  private async probeOnce(run: PodRun, attempt: number): Promise<void> {
    const ok = run.probe ? await run.probe.check(run.podIp) : true;
    if (run.stopped || attempt !== run.attempt || run.phase !== 'running') return;
    run.probeFailures = ok ? 0 : run.probeFailures + 1;
    const ready = ok || (run.ready && run.probeFailures < (run.probe?.failureThreshold ?? 3));
    if (ready !== run.ready) {
      run.ready = ready;
      this.writeStatus(run);
    }
    this.probeSoon(run, attempt, PROBE_INTERVAL_MS);
  }

  private stop(run: PodRun): void {
    run.stopped = true;
    clearTimeout(run.probeTimer);
    this.runs.delete(run.uid);
    const process = run.process;
    run.process = undefined;
    // A start still under way stops its process itself once it resolves.
    const stopped = process ? this.stopProcess(process) : Promise.resolve();
    void stopped.then(() => this.holdPod(run, false));
  }

  private stopProcess(process: PodProcess): Promise<void> {
    const done = process.stop().finally(() => this.stopping.delete(done));
    this.stopping.add(done);
    return done;
  }

  /** Adds this kubelet's finalizer to a pod it runs, or takes it off once nothing of it runs. */
  private holdPod(run: PodRun, hold: boolean): void {
    try {
      this.registry.mutate(podType, run.namespace, run.name, kubeletMain, (pod) => {
        if (pod.metadata.uid !== run.uid) return;
        const others = (pod.metadata.finalizers ?? []).filter((f) => f !== PROCESSES_FINALIZER);
        if (hold && pod.metadata.deletionTimestamp) return;
        pod.metadata.finalizers = hold ? [...others, PROCESSES_FINALIZER] : others;
      });
    } catch {
      // Gone already: nothing to hold or release.
    }
  }

  private writeStatus(run: PodRun): void {
    try {
      this.registry.mutate(podType, run.namespace, run.name, kubelet, (pod) => {
        if (pod.metadata.uid !== run.uid) return;
        pod.status = this.status(pod, run, objectAt(pod, ['status']) ?? {});
      });
    } catch {
      // Deleted meanwhile: nothing to report on.
    }
  }

  private status(pod: KubeObject, run: PodRun, status: JsonObject): JsonObject {
    const running = run.phase === 'running';
    const everStarted = running || run.restarts > 0;
    const containers = arrayAt(pod, ['spec', 'containers'])
      .filter(isJsonObject)
      .map((c) => ({
        name: String(c.name),
        image: String(c.image),
        imageID: everStarted ? `${String(c.image)}@sha256:${'0'.repeat(64)}` : '',
        ...(run.containerId ? { containerID: run.containerId } : {}),
        ready: run.ready,
        started: running,
        restartCount: run.restarts,
        state: running ? { running: { startedAt: run.startedAt } } : { waiting: run.waiting },
        lastState: run.lastTerminated ? { terminated: run.lastTerminated } : {},
      }));
    const readiness = run.ready
      ? { status: 'True' as const }
      : {
          status: 'False' as const,
          reason: 'ContainersNotReady',
          message: `containers with unready status: [${containers.map((c) => c.name).join(' ')}]`,
        };
    let conditions = arrayAt(status, ['conditions']);
    for (const condition of [
      { type: 'PodScheduled', status: 'True' as const },
      { type: 'PodReadyToStartContainers', status: 'True' as const },
      { type: 'Initialized', status: 'True' as const },
      { type: 'Ready', ...readiness },
      { type: 'ContainersReady', ...readiness },
    ]) {
      conditions = withCondition(conditions, condition, 'lastProbeTime');
    }
    return {
      ...status,
      phase: everStarted ? 'Running' : 'Pending',
      conditions,
      hostIP: hostIp,
      hostIPs: [{ ip: hostIp }],
      // The sandbox has its address before any container starts.
      podIP: run.podIp,
      podIPs: [{ ip: run.podIp }],
      startTime: status.startTime ?? timestamp(),
      containerStatuses: containers,
    };
  }
}
