import type { KubeObject } from '../objects.ts';

/** What a pod runner may use to start a pod: its address, and the objects its spec refers to. */
export interface PodRunContext {
  /** The pod's own loopback address (127.77.x.y): what `0.0.0.0` means inside this pod. */
  podIp: string;
  /** A Secret or ConfigMap as stored (a copy), or undefined when it does not exist. */
  read(kind: 'Secret' | 'ConfigMap', namespace: string, name: string): KubeObject | undefined;
}

/** A started pod: one process tree standing for all of its containers. */
/** One line of a container's output as the kubelet keeps it: when it was written, and its text. */
export interface PodLogLine {
  /** RFC 3339 with nanoseconds, as `kubectl logs --timestamps` prints it. */
  at: string;
  text: string;
}

export interface PodProcess {
  /** Resolves with the exit code once the pod's main process ends (128 + signal when killed). */
  exited: Promise<number>;
  /** What the container wrote so far, stdout and stderr together (the pods/log subresource). */
  logs?(): PodLogLine[];
  /** Stops everything the pod started; resolves once nothing of it runs. */
  stop(): Promise<void>;
}

/**
 * Runs a pod as real local processes instead of a simulated fate: the hook
 * `podRunner` of startKubernetesApiDouble. A start that rejects (a Secret
 * not there yet) leaves the container waiting with
 * CreateContainerConfigError and is tried again, as a kubelet does.
 */
export type PodRunner = (pod: KubeObject, context: PodRunContext) => Promise<PodProcess>;
