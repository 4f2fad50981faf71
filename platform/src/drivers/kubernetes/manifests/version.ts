import { createHmac } from 'node:crypto';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IService } from 'kubernetes-models/v1/Service';
import type { VersionSpec } from '../../driver.ts';
import {
  annotation,
  appRecordName,
  label,
  MANAGED_BY,
  ministryNamespace,
  objectsClaimName,
  versionName,
} from '../labels.ts';
import { RUNTIME_OVERHEAD_MIB } from './ministry.ts';
import { SCHEDULED_PORT } from './ports.ts';
import { type Manifest, type OwnerReference, typed } from './types.ts';

/** Where workerd listens in the pod, and its liveness worker. */
export const APP_PORT = 8080;
export const LIVENESS_PORT = 8081;

/** A runtime user with no name in the image: non-root, the restricted standard's requirement. */
const RUNTIME_UID = 65532;
/** How long a removed pod keeps serving before it is stopped: endpoints take a moment to update. */
export const DRAIN_SECONDS = 5;

export interface VersionManifestOptions {
  runtimeImage: string;
  /** A rollout not available after this long is failed, and the previous version keeps serving. */
  progressDeadlineSeconds: number;
  /** The most instances the ministry's quota allows an app: the autoscaler's ceiling. */
  maxInstances: number;
  /**
   * The platform's storage service, for a version with KV, D1 or R2
   * bindings: its address in the cluster and this app's capability there.
   */
  storage?: { address: string; capability: string };
  /**
   * The app's service bindings as the entrypoint reads them: each binding's
   * name, the gateway relay's address and the headers workerd adds.
   */
  services?: Array<{ name: string; address: string; headers: Record<string, string> }>;
  /**
   * For a version with Durable Objects: whether its one pod holds the app's
   * objects' volume now (`holding`), will once the previous holder's pod is
   * gone (`waiting`), or handed it to a newer version (`released`).
   */
  objects?: 'holding' | 'waiting' | 'released';
  /** The token of the version's scheduled socket, for a version with cron triggers. */
  scheduledToken?: string;
}

/** Where a pod keeps the app's Durable Objects: the app's claim. */
const OBJECTS_DIR = '/var/lib/gov-objects';

/** The entrypoint's Durable Objects settings, for a version with some. */
function objectsEnv(spec: VersionSpec) {
  if (spec.durableObjects.length === 0) return [];
  return [
    { name: 'GOV_DURABLE_OBJECTS', value: JSON.stringify(spec.durableObjects) },
    { name: 'GOV_OBJECTS_DIR', value: OBJECTS_DIR },
  ];
}

/** The claim of an app's Durable Objects, owned by the app record: deleting the app deletes them. */
export function objectsClaim(
  spec: Pick<VersionSpec, 'ministry' | 'ministryId' | 'app' | 'appId'>,
  appRecord: OwnerReference,
  size: string,
): Manifest {
  return typed<IPersistentVolumeClaim>({
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: {
      name: objectsClaimName(spec.app),
      namespace: ministryNamespace(spec.ministry),
      labels: {
        [label.managedBy]: MANAGED_BY,
        [label.component]: 'durable-objects',
        [label.ministry]: spec.ministry,
        [label.ministryId]: spec.ministryId,
        [label.app]: spec.app,
        [label.appId]: spec.appId,
      },
      ownerReferences: [appRecord],
    },
    spec: {
      // One pod at a time mounts it: the driver scales the previous holder
      // down first, and the cluster refuses a second pod on it even on the
      // same node (ReadWriteOncePod, Kubernetes 1.29 and later).
      accessModes: ['ReadWriteOncePod'],
      resources: { requests: { storage: size } },
    },
  });
}

/** Where a pod finds the version's capabilities: the artifact's, and the storage service's. */
const TOKEN_DIR = '/var/run/gov/token';

/**
 * The bearer token of a version's scheduled socket: a capability for that
 * version under a key of the platform's (derived from its internal secret),
 * so the driver computes it again after a restart and no app can: not from
 * its own secrets, not from another app's.
 */
export function scheduledToken(key: Buffer, deploymentId: string): string {
  return createHmac('sha256', key).update(`scheduled:${deploymentId}`).digest('hex');
}

/** The entrypoint's service bindings, for a version with some. */
function servicesEnv(spec: VersionSpec, options: VersionManifestOptions) {
  if (spec.services.length === 0) return [];
  if (!options.services) {
    throw new Error(
      `${spec.deploymentId} has service bindings but this cluster has no relay (GOV_SERVICE_RELAY_URL)`,
    );
  }
  return [{ name: 'GOV_SERVICES_FILE', value: `${TOKEN_DIR}/services` }];
}

/** The entrypoint's scheduled socket, for a version with cron triggers. */
function scheduledEnv(spec: VersionSpec, options: VersionManifestOptions) {
  if (spec.crons.length === 0) return [];
  if (!options.scheduledToken) {
    throw new Error(`${spec.deploymentId} has cron triggers but no scheduled-socket token`);
  }
  return [
    { name: 'GOV_SCHEDULED_LISTEN', value: `0.0.0.0:${SCHEDULED_PORT}` },
    { name: 'GOV_SCHEDULED_TOKEN_FILE', value: `${TOKEN_DIR}/scheduled` },
  ];
}

/** The entrypoint's storage settings (runtime/src/entrypoint/settings.ts), when the version has bindings. */
function storageEnv(spec: VersionSpec, options: VersionManifestOptions) {
  if (spec.bindings.length === 0) return [];
  if (!options.storage) {
    throw new Error(
      `${spec.deploymentId} has storage bindings but this cluster has no storage service (GOV_STORAGE_URL)`,
    );
  }
  return [
    { name: 'GOV_BINDINGS', value: JSON.stringify(spec.bindings) },
    { name: 'GOV_STORAGE_ADDRESS', value: options.storage.address },
    { name: 'GOV_STORAGE_CAPABILITY_FILE', value: `${TOKEN_DIR}/storage` },
    { name: 'GOV_MINISTRY_ID', value: spec.ministryId },
  ];
}

export function versionLabels(spec: VersionSpec): Record<string, string> {
  return {
    [label.managedBy]: MANAGED_BY,
    [label.name]: spec.app,
    [label.component]: 'app-version',
    [label.ministry]: spec.ministry,
    [label.ministryId]: spec.ministryId,
    [label.app]: spec.app,
    [label.appId]: spec.appId,
    [label.deploymentId]: spec.deploymentId,
    [label.version]: String(spec.version),
  };
}

/** The app record: a ConfigMap every version of the app (and its route) is owned by. */
export function appRecordManifest(
  spec: Pick<VersionSpec, 'ministry' | 'ministryId' | 'app' | 'appId'>,
): Manifest {
  return typed<IConfigMap>({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: appRecordName(spec.app),
      namespace: ministryNamespace(spec.ministry),
      labels: {
        [label.managedBy]: MANAGED_BY,
        [label.component]: 'app-record',
        [label.ministry]: spec.ministry,
        [label.ministryId]: spec.ministryId,
        [label.app]: spec.app,
        [label.appId]: spec.appId,
      },
    },
    data: { app: spec.app, appId: spec.appId },
  });
}

/** Where a pod finds the app's secrets, one file each (the entrypoint's GOV_SECRETS_DIR). */
const SECRETS_DIR = '/var/run/gov/secrets';

/**
 * The Deployment of one app version: the runtime image, which fetches the
 * version's code by digest from the control plane and verifies it before
 * anything runs; the version's settings; resources from its memory and CPU;
 * probes on the runtime's liveness worker (and the app's own health path);
 * the restricted security context throughout.
 */
export function versionDeployment(
  spec: VersionSpec,
  appRecord: OwnerReference,
  options: VersionManifestOptions,
): Manifest {
  const name = versionName(spec.app, spec.version);
  const labels = versionLabels(spec);
  const memory = `${spec.memoryMib + RUNTIME_OVERHEAD_MIB}Mi`;
  const cpu = `${spec.cpuMillicores}m`;
  const objects = spec.durableObjects.length > 0 ? (options.objects ?? 'waiting') : undefined;
  const readiness = spec.healthPath
    ? { httpGet: { path: spec.healthPath, port: APP_PORT } }
    : { httpGet: { path: '/', port: LIVENESS_PORT } };
  return typed<IDeployment>({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace: ministryNamespace(spec.ministry),
      labels,
      annotations: {
        [annotation.generation]: spec.generation,
        [annotation.servedBefore]: String(spec.servedBefore),
        [annotation.artifact]: spec.artifact.sha256,
        ...(objects ? { [annotation.objects]: objects } : {}),
      },
      ownerReferences: [appRecord],
    },
    spec: {
      // No replicas: the HorizontalPodAutoscaler owns that number; with
      // Durable Objects one pod or none, and never two side by side
      // (Recreate), since one workerd at a time may hold the objects.
      ...(objects ? { replicas: objects === 'holding' ? 1 : 0 } : {}),
      selector: { matchLabels: { [label.deploymentId]: spec.deploymentId } },
      progressDeadlineSeconds: options.progressDeadlineSeconds,
      revisionHistoryLimit: 2,
      strategy: objects
        ? { type: 'Recreate' }
        : { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels, annotations: { [annotation.generation]: spec.generation } },
        spec: {
          serviceAccountName: 'gov-app',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          // The drain below plus the longest a citizen's request may take at the gateway.
          terminationGracePeriodSeconds: DRAIN_SECONDS + 30,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: RUNTIME_UID,
            runAsGroup: RUNTIME_UID,
            // Mounted secrets and config are readable by the runtime's group only.
            fsGroup: RUNTIME_UID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'app',
              image: options.runtimeImage,
              env: [
                { name: 'GOV_ARTIFACT_URL', value: spec.artifact.url },
                { name: 'GOV_ARTIFACT_SHA256', value: spec.artifact.sha256 },
                { name: 'GOV_ARTIFACT_TOKEN_FILE', value: `${TOKEN_DIR}/token` },
                { name: 'GOV_COMPATIBILITY_DATE', value: spec.compatibilityDate },
                { name: 'GOV_COMPATIBILITY_FLAGS', value: spec.compatibilityFlags.join(',') },
                { name: 'GOV_VARS_FILE', value: '/var/run/gov/vars/vars.json' },
                { name: 'GOV_MEMORY_MIB', value: String(spec.memoryMib) },
                { name: 'GOV_LISTEN', value: `0.0.0.0:${APP_PORT}` },
                { name: 'GOV_LIVENESS_LISTEN', value: `0.0.0.0:${LIVENESS_PORT}` },
                { name: 'GOV_WORK_DIR', value: '/tmp/gov' },
                ...(spec.secrets ? [{ name: 'GOV_SECRETS_DIR', value: SECRETS_DIR }] : []),
                ...storageEnv(spec, options),
                ...scheduledEnv(spec, options),
                ...servicesEnv(spec, options),
                ...objectsEnv(spec),
                // The capability's and the objects' key both name the app.
                ...(spec.bindings.length > 0 || spec.durableObjects.length > 0
                  ? [{ name: 'GOV_APP_ID', value: spec.appId }]
                  : []),
              ],
              // The runtime's one-line refusal (a tampered artifact) becomes the pod's message.
              terminationMessagePolicy: 'FallbackToLogsOnError',
              // A pod being removed (a replaced version, a scale-down) keeps serving while
              // gateways and kube-proxy learn it is gone, as the local agent's drain does;
              // workerd stops at once on SIGTERM. `sleep` needs no shell in the image.
              lifecycle: { preStop: { sleep: { seconds: DRAIN_SECONDS } } },
              ports: [
                { name: 'http', containerPort: APP_PORT, protocol: 'TCP' },
                { name: 'liveness', containerPort: LIVENESS_PORT, protocol: 'TCP' },
                ...(spec.crons.length > 0
                  ? [{ name: 'scheduled', containerPort: SCHEDULED_PORT, protocol: 'TCP' as const }]
                  : []),
              ],
              resources: { requests: { cpu, memory }, limits: { cpu, memory } },
              readinessProbe: {
                ...readiness,
                periodSeconds: 2,
                timeoutSeconds: 2,
                failureThreshold: 3,
              },
              livenessProbe: {
                httpGet: { path: '/', port: LIVENESS_PORT },
                initialDelaySeconds: 5,
                periodSeconds: 2,
                timeoutSeconds: 2,
                failureThreshold: 5,
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                capabilities: { drop: ['ALL'] },
                seccompProfile: { type: 'RuntimeDefault' },
              },
              volumeMounts: [
                { name: 'token', mountPath: TOKEN_DIR, readOnly: true },
                { name: 'vars', mountPath: '/var/run/gov/vars', readOnly: true },
                { name: 'work', mountPath: '/tmp/gov' },
                ...(spec.durableObjects.length > 0
                  ? [{ name: 'objects', mountPath: OBJECTS_DIR }]
                  : []),
                ...(spec.secrets
                  ? [{ name: 'secrets', mountPath: SECRETS_DIR, readOnly: true }]
                  : []),
              ],
            },
          ],
          volumes: [
            { name: 'token', secret: { secretName: `${name}-token`, defaultMode: 0o440 } },
            { name: 'vars', configMap: { name: `${name}-vars`, defaultMode: 0o440 } },
            { name: 'work', emptyDir: { sizeLimit: '64Mi' } },
            ...(spec.durableObjects.length > 0
              ? [
                  {
                    name: 'objects',
                    persistentVolumeClaim: { claimName: objectsClaimName(spec.app) },
                  },
                ]
              : []),
            ...(spec.secrets
              ? [{ name: 'secrets', secret: { secretName: `${name}-secrets`, defaultMode: 0o440 } }]
              : []),
          ],
        },
      },
    },
  });
}

/**
 * What a version's Deployment owns: the capability to read its artifact
 * (and, with bindings, to reach its own data in the storage service: a
 * Secret), its vars (a ConfigMap), its Service, its autoscaler and, with
 * more than one instance, a disruption budget. Deleting the Deployment
 * removes them all.
 */
export function versionChildren(
  spec: VersionSpec,
  deployment: OwnerReference,
  options: VersionManifestOptions,
  /** The values of `spec.secrets`, read from the control plane for this version. */
  secretValues: Record<string, string> = {},
): Manifest[] {
  const name = versionName(spec.app, spec.version);
  const namespace = ministryNamespace(spec.ministry);
  const labels = versionLabels(spec);
  const meta = (n: string) => ({ name: n, namespace, labels, ownerReferences: [deployment] });
  const children: Manifest[] = [
    typed<ISecret>({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: meta(`${name}-token`),
      type: 'Opaque',
      stringData: {
        token: spec.artifact.token,
        ...(spec.bindings.length > 0 && options.storage
          ? { storage: options.storage.capability }
          : {}),
        ...(spec.crons.length > 0 && options.scheduledToken
          ? { scheduled: options.scheduledToken }
          : {}),
        // The capabilities to call the ministry's other apps: not in the pod spec, which more people read.
        ...(spec.services.length > 0 && options.services
          ? { services: JSON.stringify(options.services) }
          : {}),
      },
    }),
    ...(spec.secrets
      ? [
          typed<ISecret>({
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: meta(`${name}-secrets`),
            type: 'Opaque',
            // One file per secret in the pod, named after its binding.
            stringData: secretValues,
          }),
        ]
      : []),
    typed<IConfigMap>({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta(`${name}-vars`),
      data: { 'vars.json': JSON.stringify(spec.vars) },
    }),
    typed<IService>({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(name),
      spec: {
        type: 'ClusterIP',
        selector: { [label.deploymentId]: spec.deploymentId },
        ports: [{ name: 'http', port: 80, targetPort: APP_PORT, protocol: 'TCP' }],
      },
    }),
  ];
  // One pod with Durable Objects: nothing to scale.
  if (spec.durableObjects.length === 0) {
    children.push(
      typed<IHorizontalPodAutoscaler>({
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: meta(name),
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
          minReplicas: spec.instances,
          maxReplicas: Math.max(spec.instances, options.maxInstances),
          metrics: [
            {
              type: 'Resource',
              resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
            },
          ],
        },
      }),
    );
  }
  if (spec.instances > 1 && spec.durableObjects.length === 0) {
    children.push({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: meta(name),
      spec: {
        minAvailable: 1,
        selector: { matchLabels: { [label.deploymentId]: spec.deploymentId } },
      },
    });
  }
  return children;
}
