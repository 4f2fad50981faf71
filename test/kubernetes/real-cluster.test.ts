import { KubeConfig } from '@kubernetes/client-node';
import { describe } from 'vitest';
import { driverContract } from '../../platform/src/drivers/contract.ts';
import type { MinistrySpec, VersionSpec } from '../../platform/src/drivers/driver.ts';
import { KubernetesDriver } from '../../platform/src/drivers/kubernetes/kubernetes-driver.ts';
import { newId } from '../../platform/src/ids.ts';
import { startArtifactServer } from '../../platform/src/testing/artifact-server.ts';

/**
 * The driver contract against a REAL cluster, for operators: it runs only
 * when KUBECONFIG is set (skipped otherwise: no cluster runs on the
 * machines this project is built on). It needs:
 * - KUBECONFIG: a context allowed to create namespaces and what the Helm
 *   chart's ClusterRole grants;
 * - GOV_TEST_RUNTIME_IMAGE: the runtime image (runtime/container) in a
 *   registry the cluster pulls from;
 * - GOV_TEST_ARTIFACT_HOST: an address of this machine the cluster's pods
 *   can reach, where the test serves the apps' artifacts (it listens there).
 * It creates the namespace gov-conformance and deletes it at the end.
 *
 *   KUBECONFIG=~/.kube/config GOV_TEST_RUNTIME_IMAGE=registry.gov.ml/gov/runtime:1.0 \
 *   GOV_TEST_ARTIFACT_HOST=10.0.0.5 npx vitest run test/kubernetes
 */
const ready =
  Boolean(process.env.KUBECONFIG) &&
  Boolean(process.env.GOV_TEST_RUNTIME_IMAGE) &&
  Boolean(process.env.GOV_TEST_ARTIFACT_HOST);

const ministry: MinistrySpec = {
  ministryId: 'min_conformance',
  ministry: 'conformance',
  quota: {
    maxApps: 10,
    maxMemoryMibPerApp: 256,
    maxInstancesPerApp: 2,
    maxKvBytes: 100 * 1024 * 1024,
  },
  egress: { allowedHosts: [] },
};

describe.skipIf(!ready)('real cluster (KUBECONFIG)', () => {
  driverContract('kubernetes (real cluster)', async () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromDefault();
    const artifacts = await startArtifactServer({ host: process.env.GOV_TEST_ARTIFACT_HOST });
    const driver = new KubernetesDriver({
      kubeConfig,
      runtimeImage: process.env.GOV_TEST_RUNTIME_IMAGE ?? '',
      platform: {
        namespace: process.env.GOV_TEST_PLATFORM_NAMESPACE ?? 'gov-system',
        gatewayPodLabels: { 'app.kubernetes.io/component': 'gateway' },
        controlPlanePodLabels: { 'app.kubernetes.io/component': 'control-plane' },
        controlPlanePort: 7070,
      },
      progressDeadlineSeconds: 120,
    });
    let counter = 0;
    return {
      driver,
      ministry,
      async spec(scenario, overrides: Partial<VersionSpec> = {}) {
        counter += 1;
        const source =
          scenario === 'healthy'
            ? `export default { fetch() { return new Response('conforme ${counter}'); } };`
            : `throw new Error('échec au démarrage'); export default {};`;
        return {
          deploymentId: newId('deployment'),
          appId: `app_conf_${counter}`,
          ministryId: ministry.ministryId,
          ministry: ministry.ministry,
          app: `conforme-${counter}`,
          version: counter,
          generation: `g${counter}`,
          artifact: artifacts.put(source),
          compatibilityDate: '2026-04-01',
          compatibilityFlags: [],
          vars: {},
          secrets: null,
          bindings: [],
          instances: 1,
          memoryMib: 128,
          cpuMillicores: 500,
          egress: { allowedHosts: [] },
          healthPath: null,
          crons: [],
          services: [],
          durableObjects: [],
          servedBefore: false,
          ...overrides,
        };
      },
      async close() {
        const { CoreV1Api } = await import('@kubernetes/client-node');
        await kubeConfig
          .makeApiClient(CoreV1Api)
          .deleteNamespace({ name: 'gov-conformance' })
          .catch(() => {});
        await driver.close();
        await artifacts.close();
      },
    };
  });
});
