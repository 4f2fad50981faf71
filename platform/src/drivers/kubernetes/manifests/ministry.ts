import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { ILimitRange } from 'kubernetes-models/v1/LimitRange';
import type { INamespace } from 'kubernetes-models/v1/Namespace';
import type { IResourceQuota } from 'kubernetes-models/v1/ResourceQuota';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { MinistrySpec } from '../../driver.ts';
import { label, MANAGED_BY, ministryNamespace } from '../labels.ts';
import { SCHEDULED_PORT } from './ports.ts';
import { type Manifest, type PlatformPlacement, typed } from './types.ts';

/** Memory workerd needs beyond the app's heap: the same allowance as the local runtime. */
export const RUNTIME_OVERHEAD_MIB = 128;
/** CPU granted to a container that declares none (the LimitRange default). */
const DEFAULT_CPU_MILLICORES = 500;
/** A rolling update runs old and new pods side by side: room for both. */
const SURGE = 2;

function labels(spec: MinistrySpec): Record<string, string> {
  return {
    [label.managedBy]: MANAGED_BY,
    [label.ministry]: spec.ministry,
    [label.ministryId]: spec.ministryId,
  };
}

/**
 * What a ministry owns as a whole on the cluster: its namespace (Pod
 * Security Standard "restricted" enforced), a ResourceQuota derived from its
 * quota, a LimitRange so no pod is refused for lacking requests, network
 * policies (nothing in or out but the gateway, DNS, the control plane, the
 * storage service and what its egress policy allows) and a ServiceAccount that mounts no token.
 */
export function ministryManifests(spec: MinistrySpec, platform: PlatformPlacement): Manifest[] {
  const namespace = ministryNamespace(spec.ministry);
  const common = labels(spec);
  const { maxApps, maxInstancesPerApp, maxMemoryMibPerApp } = spec.quota;
  const pods = Math.max(1, maxApps * maxInstancesPerApp * SURGE);
  const memoryMib = pods * (maxMemoryMibPerApp + RUNTIME_OVERHEAD_MIB);
  const cpuMillicores = pods * DEFAULT_CPU_MILLICORES;
  const meta = (name: string) => ({ name, namespace, labels: common });
  const platformPods = (podLabels: Record<string, string>) => ({
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': platform.namespace } },
    podSelector: { matchLabels: podLabels },
  });
  const manifests: Manifest[] = [
    typed<INamespace>({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: namespace,
        labels: {
          ...common,
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'latest',
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/audit': 'restricted',
        },
      },
    }),
    typed<IResourceQuota>({
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: meta('gov-quota'),
      spec: {
        hard: {
          pods: String(pods),
          'requests.memory': `${memoryMib}Mi`,
          'limits.memory': `${memoryMib}Mi`,
          'requests.cpu': `${cpuMillicores}m`,
          'limits.cpu': `${cpuMillicores}m`,
          'count/deployments.apps': String(Math.max(1, maxApps * 3)),
          services: String(Math.max(1, maxApps * 3)),
        },
      },
    }),
    typed<ILimitRange>({
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: meta('gov-defaults'),
      spec: {
        limits: [
          {
            type: 'Container',
            default: {
              cpu: `${DEFAULT_CPU_MILLICORES}m`,
              memory: `${128 + RUNTIME_OVERHEAD_MIB}Mi`,
            },
            defaultRequest: {
              cpu: `${DEFAULT_CPU_MILLICORES}m`,
              memory: `${128 + RUNTIME_OVERHEAD_MIB}Mi`,
            },
            max: { memory: `${maxMemoryMibPerApp + RUNTIME_OVERHEAD_MIB}Mi` },
          },
        ],
      },
    }),
    typed<IServiceAccount>({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: meta('gov-app'),
      automountServiceAccountToken: false,
    }),
    typed<INetworkPolicy>({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta('gov-default-deny'),
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    }),
    typed<INetworkPolicy>({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta('gov-allow-gateway'),
      spec: {
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [platformPods(platform.gatewayPodLabels)],
            ports: [{ protocol: 'TCP', port: 8080 }],
          },
        ],
      },
    }),
    typed<INetworkPolicy>({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta('gov-allow-scheduler'),
      spec: {
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [
          {
            // Cron triggers: the control plane's scheduler delivers scheduled events.
            from: [platformPods(platform.controlPlanePodLabels)],
            ports: [{ protocol: 'TCP', port: SCHEDULED_PORT }],
          },
        ],
      },
    }),
    typed<INetworkPolicy>({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta('gov-allow-platform-egress'),
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            // Name resolution, from the cluster's DNS only.
            to: [
              {
                namespaceSelector: {
                  matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' },
                },
                podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
              },
            ],
            ports: [
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 },
            ],
          },
          {
            // The app's code, fetched from the control plane by digest at start.
            to: [platformPods(platform.controlPlanePodLabels)],
            ports: [{ protocol: 'TCP', port: platform.controlPlanePort }],
          },
          ...(platform.serviceRelayPort
            ? [
                {
                  // Service bindings: calls to the ministry's other apps, through the gateway.
                  to: [platformPods(platform.gatewayPodLabels)],
                  ports: [{ protocol: 'TCP' as const, port: platform.serviceRelayPort }],
                },
              ]
            : []),
          ...(platform.storage
            ? [
                {
                  // The app's KV, D1 and R2 data, behind its own capability.
                  to: [platformPods(platform.storage.podLabels)],
                  ports: [{ protocol: 'TCP' as const, port: platform.storage.port }],
                },
              ]
            : []),
        ],
      },
    }),
  ];
  const cidrs = spec.egress.allowedHosts.filter((h) => /^[0-9a-f.:]+\/\d{1,3}$/i.test(h));
  if (cidrs.length > 0) {
    manifests.push(
      typed<INetworkPolicy>({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: meta('gov-egress-policy'),
        spec: {
          podSelector: {},
          policyTypes: ['Egress'],
          egress: [{ to: cidrs.map((cidr) => ({ ipBlock: { cidr } })) }],
        },
      }),
    );
  }
  return manifests;
}
