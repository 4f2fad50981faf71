import type { Registry } from '../registry.ts';
import { DeploymentController } from './deployment-controller.ts';
import { EndpointSliceController } from './endpoint-slice-controller.ts';
import { type KubeletTiming, type PodBehaviour, SimulatedKubelet } from './kubelet.ts';
import type { PodLogLine, PodRunner } from './pod-runner.ts';
import { ProcessKubelet } from './process-kubelet.ts';
import { QuotaStatusController } from './quota-status-controller.ts';

/**
 * Runs the simulated controllers level-based, like kube-controller-manager
 * and a kubelet would: soon after any change in the store, and on a short
 * tick for what depends on time (pod start delays, restarts, progress
 * deadlines). Every pass re-reads the store and writes only differences,
 * so passes are idempotent and quiet when nothing changes.
 */
export class ControllerManager {
  private readonly kubelet: SimulatedKubelet | ProcessKubelet;
  private readonly deployments: DeploymentController;
  private readonly endpointSlices: EndpointSliceController;
  private readonly quotas: QuotaStatusController;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private scheduled = false;
  private running = false;

  constructor(
    private readonly registry: Registry,
    timing: KubeletTiming,
    behaviour: () => PodBehaviour,
    private readonly tickMs: number,
    podRunner?: PodRunner,
  ) {
    // A runner makes pods real processes; without one, their fate is simulated.
    this.kubelet = podRunner
      ? new ProcessKubelet(registry, timing, podRunner)
      : new SimulatedKubelet(registry, timing, behaviour);
    this.deployments = new DeploymentController(registry);
    this.endpointSlices = new EndpointSliceController(registry);
    this.quotas = new QuotaStatusController(registry);
  }

  start(): void {
    this.unsubscribe = this.registry.store.subscribe(() => this.schedule());
    this.timer = setInterval(() => this.schedule(), this.tickMs);
    this.schedule();
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Stops the pods' processes, when they are real; call after stop(). */
  /** A pod's output where its processes really run; empty for simulated pods, which write nothing. */
  podLogs(namespace: string, name: string): PodLogLine[] {
    return this.kubelet instanceof ProcessKubelet
      ? (this.kubelet.logsOf(namespace, name) ?? [])
      : [];
  }

  async stopPods(): Promise<void> {
    if (this.kubelet instanceof ProcessKubelet) await this.kubelet.close();
  }

  private schedule(): void {
    if (this.scheduled || !this.timer) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.timer) this.runOnce();
    });
  }

  /** One pass of every controller. The writes it makes schedule the next pass. */
  runOnce(): void {
    if (this.running) return;
    this.running = true;
    try {
      const now = Date.now();
      this.kubelet.reconcile(now);
      this.deployments.reconcile(now);
      this.endpointSlices.reconcile();
      this.quotas.reconcile();
    } finally {
      this.running = false;
    }
  }
}
