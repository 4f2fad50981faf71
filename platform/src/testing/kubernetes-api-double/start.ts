import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ControllerManager } from './controllers/controller-manager.ts';
import type { PodBehaviour } from './controllers/kubelet.ts';
import type { PodRunner } from './controllers/pod-runner.ts';
import { FaultInjector, type FaultMatch, type RecordedRequest } from './faults.ts';
import { GarbageCollector } from './garbage-collector.ts';
import { createHandler } from './http-handler.ts';
import { Registry } from './registry.ts';
import { requireResourceType } from './resource-types.ts';
import { ObjectStore } from './store.ts';
import { WatchHub } from './watch-hub.ts';

export interface KubernetesApiDoubleOptions {
  /** How many changes the watch history keeps; a watch from before them answers 410 Gone. Default 1000. */
  watchHistorySize?: number;
  /** Interval of BOOKMARK events on watches that allow them. Default 5000 (a real server: about a minute). */
  bookmarkIntervalMs?: number;
  /** Run the simulated kubelet and controllers (deployments, endpoint slices, quota status). Default true. */
  controllers?: boolean;
  /** From a pod's creation to its fate (ready, crash loop, ...). Default 100. */
  podReadyDelayMs?: number;
  /** Between restarts of a crash-looping or OOM-killed container. Default 1000. */
  crashLoopRestartIntervalMs?: number;
  /** The controllers' timer, for time-driven changes (delays, deadlines). Default 25. */
  controllerTickMs?: number;
  /** What becomes of each pod; every pod becomes ready by default. Ignored with `podRunner`. */
  podBehaviour?: PodBehaviour;
  /**
   * Runs pods as real local processes, each at its own loopback address in
   * 127.77.0.0/16 (Linux), ready when its readiness probe answers, restarted
   * when it exits, stopped when deleted or at close(). Default: simulated.
   */
  podRunner?: PodRunner;
}

/** A running double: where it listens, and the hooks a test steers it with. */
export interface KubernetesApiDouble {
  /** `http://127.0.0.1:<port>`: plain HTTP, no authentication. */
  url: string;
  /** A kubeconfig (JSON, which is YAML) pointing at the double, for kubectl's KUBECONFIG. */
  kubeconfig: string;
  /** Every request received, in order (watches included, flagged). Clear it with `requests.length = 0`. */
  requests: RecordedRequest[];
  /** Answers the next `count` matching requests with `status` (409 Conflict or 500 InternalError) and does nothing else. */
  failNext(count: number, match: FaultMatch): void;
  /** Cuts every open watch stream mid-flight (no clean end), as a network drop would. */
  dropWatches(): void;
  readonly openWatches: number;
  /** Forgets the watch history, as an etcd compaction: resuming a watch from an older resourceVersion gets 410 Gone. */
  compactWatchHistory(): void;
  /** Decides the fate of pods whose containers start from now on (simulated pods only). */
  setPodBehaviour(behaviour: PodBehaviour): void;
  close(): Promise<void>;
}

/** The namespaces every cluster starts with. */
const initialNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

function kubeconfigFor(url: string): string {
  const name = 'kubernetes-api-double';
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    // Plain HTTP on loopback: client-node refuses it unless TLS verification is off.
    clusters: [{ name, cluster: { server: url, 'insecure-skip-tls-verify': true } }],
    users: [{ name, user: {} }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: 'default' } }],
    'current-context': name,
  });
}

/**
 * Starts the Kubernetes API server double on 127.0.0.1 and a port the OS
 * picks. It is a test double: in-memory objects, no authentication, and
 * simulated controllers instead of a cluster.
 */
export async function startKubernetesApiDouble(
  options: KubernetesApiDoubleOptions = {},
): Promise<KubernetesApiDouble> {
  const store = new ObjectStore(options.watchHistorySize ?? 1000);
  let collector: GarbageCollector | undefined;
  const registry = new Registry(store, () => collector?.schedule());
  collector = new GarbageCollector(registry);
  const watches = new WatchHub(store, options.bookmarkIntervalMs ?? 5000);
  const faults = new FaultInjector();
  let behaviour: PodBehaviour = options.podBehaviour ?? (() => 'ready');

  const system = { manager: 'kube-apiserver', subresource: 'main' as const, dryRun: false };
  for (const name of initialNamespaces) {
    registry.create(requireResourceType('Namespace'), undefined, { metadata: { name } }, system);
  }

  const controllers =
    options.controllers === false
      ? undefined
      : new ControllerManager(
          registry,
          {
            podReadyDelayMs: options.podReadyDelayMs ?? 100,
            crashLoopRestartIntervalMs: options.crashLoopRestartIntervalMs ?? 1000,
          },
          () => behaviour,
          options.controllerTickMs ?? 25,
          options.podRunner,
        );

  const handle = createHandler({
    registry,
    watches,
    faults,
    podLogs: (namespace, name) => controllers?.podLogs(namespace, name) ?? [],
  });
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  controllers?.start();
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    kubeconfig: kubeconfigFor(url),
    requests: faults.requests,
    failNext: (count, match) => faults.failNext(count, match),
    dropWatches: () => watches.dropAll(),
    get openWatches() {
      return watches.openCount;
    },
    compactWatchHistory: () => store.compact(),
    setPodBehaviour(next) {
      behaviour = next;
    },
    async close() {
      controllers?.stop();
      await controllers?.stopPods();
      collector?.stop();
      watches.endAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
