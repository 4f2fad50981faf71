import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { LimitRange } from 'kubernetes-models/v1/LimitRange';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { ResourceQuota } from 'kubernetes-models/v1/ResourceQuota';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { describe, expect, it } from 'vitest';
import type { VersionSpec } from '../../driver.ts';
import { ministryManifests } from './ministry.ts';
import { routeManifest } from './route.ts';
import type { Manifest } from './types.ts';
import {
  appRecordManifest,
  objectsClaim,
  scheduledToken,
  versionChildren,
  versionDeployment,
} from './version.ts';

/** Every kind the driver writes, with the OpenAPI validator for it. */
const validators: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ResourceQuota': ResourceQuota,
  'v1/LimitRange': LimitRange,
  'v1/ServiceAccount': ServiceAccount,
  'v1/Secret': Secret,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'networking.k8s.io/v1/Ingress': Ingress,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

function validate(manifest: Manifest): void {
  const Model = validators[`${manifest.apiVersion}/${manifest.kind}`];
  if (!Model) throw new Error(`no validator for ${manifest.apiVersion} ${manifest.kind}`);
  new Model(manifest as never).validate();
}

const spec: VersionSpec = {
  deploymentId: 'dep_abcdefghijklmnopqrstuvwxyz',
  appId: 'app_x',
  ministryId: 'min_x',
  ministry: 'sante',
  app: 'rendez-vous',
  version: 12,
  generation: 'abc123',
  artifact: { sha256: 'a'.repeat(64), url: 'http://cp:7070/v1/artifacts/x', token: 'cap' },
  compatibilityDate: '2026-04-01',
  compatibilityFlags: ['nodejs_compat'],
  vars: { LANGUE: 'fr' },
  secrets: null,
  bindings: [],
  instances: 3,
  memoryMib: 192,
  cpuMillicores: 250,
  egress: { allowedHosts: [] },
  healthPath: '/sante',
  crons: [],
  services: [],
  durableObjects: [],
  servedBefore: true,
};
const owner = { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: 'uid-1' };
const options = {
  runtimeImage: 'registry.gov.ml/runtime:1',
  progressDeadlineSeconds: 120,
  maxInstances: 5,
};

describe('the manifests the Kubernetes driver writes', () => {
  const all: Manifest[] = [
    ...ministryManifests(
      {
        ministryId: 'min_x',
        ministry: 'sante',
        quota: {
          maxApps: 10,
          maxMemoryMibPerApp: 256,
          maxInstancesPerApp: 5,
          maxKvBytes: 100 * 1024 * 1024,
        },
        egress: { allowedHosts: ['10.20.0.0/16', 'api.sante.gov.ml'] },
      },
      {
        namespace: 'gov-system',
        gatewayPodLabels: { 'app.kubernetes.io/component': 'gateway' },
        controlPlanePodLabels: { 'app.kubernetes.io/component': 'control-plane' },
        controlPlanePort: 7070,
      },
    ),
    appRecordManifest(spec),
    versionDeployment(spec, owner, options),
    ...versionChildren(spec, { ...owner, kind: 'Deployment', apiVersion: 'apps/v1' }, options),
  ];

  it('are all valid against the Kubernetes OpenAPI schemas', () => {
    for (const manifest of all)
      expect(() => validate(manifest), `${manifest.kind} ${manifest.metadata.name}`).not.toThrow();
    const kinds = new Set(all.map((m) => m.kind));
    expect([...kinds].sort()).toEqual(
      [
        'ConfigMap',
        'Deployment',
        'HorizontalPodAutoscaler',
        'LimitRange',
        'Namespace',
        'NetworkPolicy',
        'PodDisruptionBudget',
        'ResourceQuota',
        'Secret',
        'Service',
        'ServiceAccount',
      ].sort(),
    );
  });

  it('would catch a manifest that is not: the validators are not lenient', () => {
    const broken = versionDeployment(spec, owner, options) as Manifest & {
      spec: { selector?: unknown };
    };
    delete broken.spec.selector;
    expect(() => validate(broken)).toThrow(/selector/);
  });

  it('run apps under the restricted Pod Security Standard, with resources and probes', () => {
    const deployment = all.find((m) => m.kind === 'Deployment') as unknown as {
      spec: {
        template: { spec: Record<string, never> & { containers: Array<Record<string, never>> } };
      };
    };
    const pod = deployment.spec.template.spec;
    expect(pod).toMatchObject({
      automountServiceAccountToken: false,
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    });
    const [container] = pod.containers;
    expect(container).toMatchObject({
      securityContext: {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      },
      resources: { limits: { memory: '320Mi', cpu: '250m' } },
      readinessProbe: { httpGet: { path: '/sante', port: 8080 } },
      livenessProbe: { httpGet: { port: 8081 } },
      // A removed pod keeps serving while endpoints update, with no shell needed.
      lifecycle: { preStop: { sleep: { seconds: 5 } } },
    });
    expect(pod).toMatchObject({ terminationGracePeriodSeconds: 35 });
    const namespace = all.find((m) => m.kind === 'Namespace');
    expect(namespace?.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
  });

  it('let only the gateway (and the scheduler) in, and only DNS, the control plane and allowed address blocks out', () => {
    const policies = all.filter((m) => m.kind === 'NetworkPolicy').map((m) => m.metadata.name);
    expect(policies).toEqual([
      'gov-default-deny',
      'gov-allow-gateway',
      'gov-allow-scheduler',
      'gov-allow-platform-egress',
      'gov-egress-policy',
    ]);
    const egress = all.find((m) => m.metadata.name === 'gov-egress-policy') as unknown as {
      spec: { egress: Array<{ to: Array<{ ipBlock: { cidr: string } }> }> };
    };
    // Named hosts cannot be expressed as a NetworkPolicy: the runtime's egress guard enforces those.
    expect(egress.spec.egress[0]?.to).toEqual([{ ipBlock: { cidr: '10.20.0.0/16' } }]);
  });

  it('publish an app’s hostname as a valid Ingress, or as an HTTPRoute to the configured gateway', () => {
    const route = {
      ministry: 'sante',
      ministryId: 'min_x',
      app: 'rendez-vous',
      appId: 'app_x',
      host: 'rendez-vous.sante.services.gov.ml',
      live: { deploymentId: spec.deploymentId, version: 12 },
    };
    const ingress = routeManifest(route, { kind: 'ingress', className: 'nginx' }, owner);
    expect(() => validate(ingress)).not.toThrow();
    const httpRoute = routeManifest(
      route,
      { kind: 'httproute', gatewayName: 'gov-gateway', gatewayNamespace: 'gov-system' },
      owner,
    ) as unknown as { spec: Record<string, unknown> };
    // Gateway API kinds have no validator in kubernetes-models: their shape is checked here.
    expect(httpRoute.spec).toEqual({
      parentRefs: [{ name: 'gov-gateway', namespace: 'gov-system' }],
      hostnames: ['rendez-vous.sante.services.gov.ml'],
      rules: [{ backendRefs: [{ name: 'rendez-vous-v12', port: 80 }] }],
    });
  });
});

describe("a version's secrets on Kubernetes", () => {
  const withSecrets: VersionSpec = {
    ...spec,
    secrets: { names: ['API_KEY'], digest: 'd1', url: 'http://cp:7070/internal/x', token: 'cap' },
  };
  const deployment = versionDeployment(withSecrets, owner, options);
  const children = versionChildren(
    withSecrets,
    { ...owner, kind: 'Deployment', apiVersion: 'apps/v1' },
    options,
    { API_KEY: 'valeur' },
  );

  it('go in a Secret of the version, mounted read-only for the entrypoint, valid against the schemas', () => {
    for (const manifest of [deployment, ...children])
      expect(() => validate(manifest)).not.toThrow();
    const secret = children.find((c) => c.metadata.name === 'rendez-vous-v12-secrets') as
      | (Manifest & { stringData?: Record<string, string> })
      | undefined;
    expect(secret?.stringData).toEqual({ API_KEY: 'valeur' });
    expect(secret?.metadata.ownerReferences?.[0]?.kind).toBe('Deployment');
    const pod = (deployment as unknown as { spec: { template: { spec: Record<string, never> } } })
      .spec.template.spec as unknown as {
      containers: Array<{ env: Array<{ name: string; value: string }>; volumeMounts: unknown[] }>;
      volumes: unknown[];
    };
    expect(pod.containers[0]?.env).toContainEqual({
      name: 'GOV_SECRETS_DIR',
      value: '/var/run/gov/secrets',
    });
    expect(pod.containers[0]?.volumeMounts).toContainEqual({
      name: 'secrets',
      mountPath: '/var/run/gov/secrets',
      readOnly: true,
    });
    expect(pod.volumes).toContainEqual({
      name: 'secrets',
      secret: { secretName: 'rendez-vous-v12-secrets', defaultMode: 0o440 },
    });
  });

  it('are absent, Secret and mount alike, for a version without secrets', () => {
    const plain = versionChildren(
      spec,
      { ...owner, kind: 'Deployment', apiVersion: 'apps/v1' },
      options,
    );
    expect(plain.some((c) => c.metadata.name.endsWith('-secrets'))).toBe(false);
    expect(JSON.stringify(versionDeployment(spec, owner, options))).not.toContain(
      'GOV_SECRETS_DIR',
    );
  });
});

describe('storage bindings in the manifests', () => {
  const bound: VersionSpec = {
    ...spec,
    bindings: [
      { kind: 'kv', name: 'RECUS' },
      { kind: 'd1', name: 'DB' },
    ],
  };
  const storage = { address: 'gov-storage.gov-system.svc:8080', capability: 'cap-of-app_x' };
  const deployment = versionDeployment(bound, owner, { ...options, storage });
  const children = versionChildren(
    bound,
    { ...owner, kind: 'Deployment', apiVersion: 'apps/v1' },
    { ...options, storage },
  );

  it('give the entrypoint the bindings, the storage service and the app’s capability in its Secret', () => {
    for (const manifest of [deployment, ...children])
      expect(() => validate(manifest)).not.toThrow();
    const env = (
      deployment as unknown as {
        spec: { template: { spec: { containers: Array<{ env: unknown[] }> } } };
      }
    ).spec.template.spec.containers[0]?.env;
    expect(env).toEqual(
      expect.arrayContaining([
        { name: 'GOV_BINDINGS', value: JSON.stringify(bound.bindings) },
        { name: 'GOV_STORAGE_ADDRESS', value: 'gov-storage.gov-system.svc:8080' },
        { name: 'GOV_STORAGE_CAPABILITY_FILE', value: '/var/run/gov/token/storage' },
        { name: 'GOV_APP_ID', value: 'app_x' },
        { name: 'GOV_MINISTRY_ID', value: 'min_x' },
      ]),
    );
    const token = children.find((c) => c.metadata.name === 'rendez-vous-v12-token') as
      | (Manifest & { stringData?: Record<string, string> })
      | undefined;
    expect(token?.stringData).toEqual({ token: 'cap', storage: 'cap-of-app_x' });
  });

  it('carry no storage settings for a version without bindings, and refuse bindings without a storage service', () => {
    expect(JSON.stringify(versionDeployment(spec, owner, { ...options, storage }))).not.toContain(
      'GOV_STORAGE',
    );
    expect(() => versionDeployment(bound, owner, options)).toThrow(/no storage service/);
  });

  it('let app pods out to the storage pods, on its port, only where there is one', () => {
    const placement = {
      namespace: 'gov-system',
      gatewayPodLabels: { 'app.kubernetes.io/component': 'gateway' },
      controlPlanePodLabels: { 'app.kubernetes.io/component': 'control-plane' },
      controlPlanePort: 7070,
    };
    const ministry = {
      ministryId: 'min_x',
      ministry: 'sante',
      quota: { maxApps: 1, maxMemoryMibPerApp: 128, maxInstancesPerApp: 1, maxKvBytes: 1 },
      egress: { allowedHosts: [] },
    };
    const egressOf = (manifests: Manifest[]) =>
      (
        manifests.find((m) => m.metadata.name === 'gov-allow-platform-egress') as unknown as {
          spec: { egress: unknown[] };
        }
      ).spec.egress;
    const withStorage = egressOf(
      ministryManifests(ministry, {
        ...placement,
        storage: { podLabels: { 'app.kubernetes.io/component': 'storage' }, port: 8080 },
      }),
    );
    expect(withStorage).toContainEqual({
      to: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gov-system' } },
          podSelector: { matchLabels: { 'app.kubernetes.io/component': 'storage' } },
        },
      ],
      ports: [{ protocol: 'TCP', port: 8080 }],
    });
    expect(egressOf(ministryManifests(ministry, placement))).toHaveLength(2);
  });
});

describe('cron triggers in the manifests', () => {
  const scheduled: VersionSpec = { ...spec, crons: ['0 3 * * *'] };
  const key = Buffer.from('a key of the platform');
  const withToken = { ...options, scheduledToken: scheduledToken(key, scheduled.deploymentId) };
  const deployment = versionDeployment(scheduled, owner, withToken);
  const children = versionChildren(
    scheduled,
    { ...owner, kind: 'Deployment', apiVersion: 'apps/v1' },
    withToken,
  );

  it('open the scheduled socket on the pod, with its token in the version’s Secret', () => {
    for (const manifest of [deployment, ...children])
      expect(() => validate(manifest)).not.toThrow();
    const container = (
      deployment as unknown as {
        spec: { template: { spec: { containers: Array<{ env: unknown[]; ports: unknown[] }> } } };
      }
    ).spec.template.spec.containers[0];
    expect(container?.env).toEqual(
      expect.arrayContaining([
        { name: 'GOV_SCHEDULED_LISTEN', value: '0.0.0.0:8082' },
        { name: 'GOV_SCHEDULED_TOKEN_FILE', value: '/var/run/gov/token/scheduled' },
      ]),
    );
    expect(container?.ports).toContainEqual({
      name: 'scheduled',
      containerPort: 8082,
      protocol: 'TCP',
    });
    const token = children.find((c) => c.metadata.name === 'rendez-vous-v12-token') as
      | (Manifest & { stringData?: Record<string, string> })
      | undefined;
    expect(token?.stringData?.scheduled).toBe(scheduledToken(key, scheduled.deploymentId));
    // Bound to this version: another version's token opens nothing here.
    expect(scheduledToken(key, 'dep_other')).not.toBe(token?.stringData?.scheduled);
    expect(() => versionDeployment(scheduled, owner, options)).toThrow(/no scheduled-socket token/);
    expect(JSON.stringify(versionDeployment(spec, owner, options))).not.toContain('SCHEDULED');
  });
});

describe('service bindings in the manifests', () => {
  const calling: VersionSpec = { ...spec, services: [{ name: 'ETAT_CIVIL', app: 'etat-civil' }] };
  const services = [
    {
      name: 'ETAT_CIVIL',
      address: 'gov-gateway.gov-system.svc:8090',
      headers: { 'x-gov-app': 'app_x', 'x-gov-capability': 'cap' },
    },
  ];

  it('hand the bindings to the entrypoint from the version’s Secret, not from the pod spec', () => {
    const deployment = versionDeployment(calling, owner, { ...options, services });
    const children = versionChildren(
      calling,
      { ...owner, kind: 'Deployment', apiVersion: 'apps/v1' },
      { ...options, services },
    );
    expect(JSON.stringify(deployment)).toContain('"GOV_SERVICES_FILE"');
    expect(JSON.stringify(deployment)).not.toContain('x-gov-capability');
    const token = children.find((c) => c.metadata.name === 'rendez-vous-v12-token') as
      | (Manifest & { stringData?: Record<string, string> })
      | undefined;
    expect(JSON.parse(token?.stringData?.services ?? '[]')).toEqual(services);
    expect(() => versionDeployment(calling, owner, options)).toThrow(/no relay/);
  });
});

describe('Durable Objects in the manifests', () => {
  const holding: VersionSpec = {
    ...spec,
    instances: 1,
    durableObjects: [{ name: 'GUICHET', className: 'Guichet', sql: true }],
  };
  const pod = (manifest: Manifest) =>
    (manifest as unknown as { spec: Record<string, unknown> }).spec as {
      replicas?: number;
      strategy: { type: string };
      template: { spec: { volumes: unknown[]; containers: Array<{ env: unknown[] }> } };
    };

  it('mount the app’s claim in one pod or none, never two side by side, and leave out the autoscaler', () => {
    const deployment = versionDeployment(holding, owner, { ...options, objects: 'holding' });
    expect(() => validate(deployment)).not.toThrow();
    expect(pod(deployment)).toMatchObject({ replicas: 1, strategy: { type: 'Recreate' } });
    expect(pod(deployment).template.spec.volumes).toContainEqual({
      name: 'objects',
      persistentVolumeClaim: { claimName: 'gov-objects-rendez-vous' },
    });
    expect(pod(deployment).template.spec.containers[0]?.env).toEqual(
      expect.arrayContaining([
        { name: 'GOV_DURABLE_OBJECTS', value: JSON.stringify(holding.durableObjects) },
        { name: 'GOV_OBJECTS_DIR', value: '/var/lib/gov-objects' },
        { name: 'GOV_APP_ID', value: 'app_x' },
      ]),
    );
    for (const state of ['waiting', 'released'] as const) {
      expect(pod(versionDeployment(holding, owner, { ...options, objects: state })).replicas).toBe(
        0,
      );
    }
    const children = versionChildren(
      holding,
      { ...owner, kind: 'Deployment', apiVersion: 'apps/v1' },
      options,
    );
    expect(children.map((c) => c.kind)).not.toContain('HorizontalPodAutoscaler');
    const claim = objectsClaim(holding, owner, '1Gi');
    expect(claim).toMatchObject({
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'gov-objects-rendez-vous', ownerReferences: [owner] },
      spec: { accessModes: ['ReadWriteOncePod'], resources: { requests: { storage: '1Gi' } } },
    });
  });
});
