import { createHmac } from 'node:crypto';
import type { PlatformConfig } from '../config.ts';
import { hostPort } from '../net/host-port.ts';
import type { ClusterDriver, EndpointResolver } from './driver.ts';
import { agentSocketPath, LocalDriver } from './local/local-driver.ts';

/**
 * The driver this configuration asks for: the local agent's (embedded
 * default) or the national cluster's (GOV_DRIVER=kubernetes, with the
 * in-cluster service account or KUBECONFIG).
 */
/** The chart's storage StatefulSet pods (charts/gov-platform/templates/storage.yaml). */
const STORAGE_POD_LABELS = {
  'app.kubernetes.io/component': 'storage',
  'app.kubernetes.io/part-of': 'gov-platform',
};

export async function selectDriver(
  config: PlatformConfig,
  log: (entry: Record<string, unknown>) => void,
): Promise<ClusterDriver & EndpointResolver> {
  if (config.driver === 'local') {
    return new LocalDriver({ socketPath: agentSocketPath(config.dataDir), log });
  }
  const { KubeConfig } = await import('@kubernetes/client-node');
  const { KubernetesDriver } = await import('./kubernetes/kubernetes-driver.ts');
  const { StorageClient } = await import('../storage/storage-client.ts');
  const { storageKeysFrom } = await import('@gov/runtime');
  const { serviceRelayKey } = await import('../gateway/service-relay.ts');
  const { loadInternalSecret } = await import('../auth/internal-secret.ts');
  // The key the platform's parts share: the driver's capabilities derive from it.
  const internalSecret = await loadInternalSecret(config.dataDir, config.internalSecret);
  const kubeConfig = new KubeConfig();
  // In a pod: its service account; elsewhere: KUBECONFIG or ~/.kube/config.
  kubeConfig.loadFromDefault();
  const k8s = config.kubernetes;
  return new KubernetesDriver({
    kubeConfig,
    runtimeImage: k8s.runtimeImage,
    platform: {
      namespace: k8s.platformNamespace,
      gatewayPodLabels: {
        'app.kubernetes.io/component': 'gateway',
        'app.kubernetes.io/part-of': 'gov-platform',
      },
      controlPlanePodLabels: {
        'app.kubernetes.io/component': 'control-plane',
        'app.kubernetes.io/part-of': 'gov-platform',
      },
      controlPlanePort: config.apiPort,
      ...(k8s.serviceRelay ? { serviceRelayPort: k8s.serviceRelay.port } : {}),
      ...(k8s.storage
        ? {
            storage: {
              podLabels: STORAGE_POD_LABELS,
              port: Number(hostPort(k8s.storage.url).split(':').pop()),
            },
          }
        : {}),
    },
    ...(k8s.storage
      ? { storage: new StorageClient(k8s.storage.url, storageKeysFrom(k8s.storage.key)) }
      : {}),
    ...(k8s.serviceRelay
      ? {
          serviceRelay: { address: k8s.serviceRelay.address, key: serviceRelayKey(internalSecret) },
        }
      : {}),
    scheduledKey: createHmac('sha256', internalSecret).update('gov-scheduled').digest(),
    progressDeadlineSeconds: k8s.progressDeadlineSeconds,
    routing: k8s.routing,
    log,
  });
}
