/**
 * The Kubernetes API server test double: a real HTTP server with the
 * semantics a Kubernetes driver relies on, for tests on machines where no
 * cluster can run. README.md in this folder says what it does and does not.
 */
export { type KubectlResult, kubeConfigFor, kubectlAgainst, statusOf } from './clients.ts';
export type { PodBehaviour, PodFate } from './controllers/kubelet.ts';
export type {
  PodLogLine,
  PodProcess,
  PodRunContext,
  PodRunner,
} from './controllers/pod-runner.ts';
export type { FaultMatch, RecordedRequest } from './faults.ts';
export type { KubeObject } from './objects.ts';
export {
  type KubernetesApiDouble,
  type KubernetesApiDoubleOptions,
  startKubernetesApiDouble,
} from './start.ts';
