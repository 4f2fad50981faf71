import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@gov/platform';
import {
  IMAGE_NODE,
  IMAGE_PROGRAMS,
  readBootstrapTokenCommand,
} from '@gov/platform/container/programs';
import { describe, expect, it } from 'vitest';
import { parseStorageSettings } from '../../runtime/src/entrypoint/storage-settings.ts';
import { helmTemplate, type Manifest, readValuesFile } from './helm-template.ts';
import { validateManifest } from './kubernetes-schemas.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const chartDir = path.resolve(here, '../../charts/gov-platform');
const production = readValuesFile(path.join(here, 'values/production.yaml'));
// Not the platform's default namespace (gov-system), so that a chart that
// forgot to tell the platform where it runs fails.
const release = { releaseName: 'gov', namespace: 'gov-prod' };

// Structural views of the rendered objects, for the assertions below.
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  volumeMounts?: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: SecretRef } }>;
  envFrom?: Array<{ configMapRef?: { name: string } }>;
  securityContext?: Record<string, unknown> & {
    capabilities?: { drop?: string[]; add?: string[] };
  };
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
  startupProbe?: unknown;
  livenessProbe?: unknown;
  readinessProbe?: unknown;
  ports?: Array<{ name: string; containerPort: number }>;
}
interface SecretRef {
  name: string;
  key: string;
}
interface PodSpec {
  serviceAccountName: string;
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds?: number;
  securityContext?: Record<string, unknown>;
  containers: Container[];
  initContainers?: Container[];
  volumes?: Array<Record<string, unknown>>;
}
interface DeploymentObject extends Manifest {
  spec: {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: {
      metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
      spec: PodSpec;
    };
  };
}
interface Claim {
  metadata: { name: string; labels?: Record<string, string> };
  spec: {
    accessModes: string[];
    storageClassName?: string;
    resources: { requests: { storage: string } };
  };
}
interface StatefulSetObject extends Manifest {
  spec: DeploymentObject['spec'] & {
    serviceName: string;
    podManagementPolicy?: string;
    updateStrategy?: { type: string };
    persistentVolumeClaimRetentionPolicy?: { whenDeleted: string; whenScaled: string };
    volumeClaimTemplates: Claim[];
  };
}
/** A Deployment or the storage StatefulSet: what pods the chart runs. */
type Workload = DeploymentObject | StatefulSetObject;
interface NetworkPolicyPeer {
  namespaceSelector?: { matchLabels?: Record<string, string> };
  podSelector?: { matchLabels?: Record<string, string> };
}
interface NetworkPolicyObject extends Manifest {
  spec: {
    podSelector: { matchLabels: Record<string, string> };
    policyTypes: string[];
    ingress?: Array<{
      from: NetworkPolicyPeer[];
      ports: Array<{ protocol: string; port: number }>;
    }>;
    egress?: unknown[];
  };
}
interface StorageValues {
  port: number;
  persistence: { size: string; storageClassName: string };
  key: { existingSecret: string; key: string };
}
interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

const scenarios = [
  { name: 'default values', values: [] as Array<Record<string, unknown>> },
  { name: 'production values', values: [production] },
];

function renderScenario(values: Array<Record<string, unknown>>) {
  const rendered = helmTemplate(chartDir, { ...release, values });
  const objects = rendered.manifests.map((m) => m.object);
  const of = <T extends Manifest>(kind: string) => objects.filter((o) => o.kind === kind) as T[];
  const named = <T extends Manifest>(kind: string, name: string) => {
    const found = of<T>(kind).find((o) => o.metadata.name === name);
    if (!found) throw new Error(`no ${kind} ${name}`);
    return found;
  };
  return { ...rendered, objects, of, named };
}

/** What a workload's containers see: the ConfigMaps' data and the Secrets' references. */
function environment(r: ReturnType<typeof renderScenario>, deployment: Workload) {
  const container = deployment.spec.template.spec.containers[0] as Container;
  const plain: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const name = from.configMapRef?.name ?? '';
    Object.assign(
      plain,
      r.named<Manifest & { data: Record<string, string> }>('ConfigMap', name).data,
    );
  }
  const secrets: Record<string, SecretRef> = {};
  for (const e of container.env ?? []) {
    if (e.valueFrom?.secretKeyRef) secrets[e.name] = e.valueFrom.secretKeyRef;
    else if (e.value !== undefined) plain[e.name] = e.value;
  }
  return { plain, secrets };
}

const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

describe.each(scenarios)('charts/gov-platform with $name', ({ values }) => {
  const r = renderScenario(values);
  const deployments = r.of<DeploymentObject>('Deployment');
  const controlPlane = r.named<DeploymentObject>('Deployment', 'gov-control-plane');
  const gateway = r.named<DeploymentObject>('Deployment', 'gov-gateway');
  const storage = r.named<StatefulSetObject>('StatefulSet', 'gov-storage');
  const workloads: Workload[] = [...deployments, ...r.of<StatefulSetObject>('StatefulSet')];
  const storageValues = (r.values as { storage: StorageValues }).storage;

  it('renders every object valid against the Kubernetes OpenAPI schemas, with no unknown field', () => {
    expect(r.objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(
      [
        'ClusterRole/gov-prod-gov-control-plane',
        'ClusterRole/gov-prod-gov-gateway',
        'ClusterRoleBinding/gov-prod-gov-control-plane',
        'ClusterRoleBinding/gov-prod-gov-gateway',
        'ConfigMap/gov-common',
        'ConfigMap/gov-control-plane',
        'Deployment/gov-control-plane',
        'Deployment/gov-gateway',
        'Ingress/gov-control-plane',
        'Ingress/gov-gateway',
        'NetworkPolicy/gov-control-plane',
        'NetworkPolicy/gov-gateway',
        'NetworkPolicy/gov-storage',
        'PodDisruptionBudget/gov-control-plane',
        'PodDisruptionBudget/gov-gateway',
        'Service/gov-control-plane',
        'Service/gov-gateway',
        'Service/gov-storage',
        'ServiceAccount/gov-control-plane',
        'ServiceAccount/gov-gateway',
        'ServiceAccount/gov-storage',
        'StatefulSet/gov-storage',
      ].sort(),
    );
    for (const object of r.objects) validateManifest(object);
  });

  it('names and labels objects as the API server accepts them', () => {
    const subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
    const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
    for (const o of r.objects) {
      expect(o.metadata.name).toMatch(subdomain);
      for (const [key, value] of Object.entries(o.metadata.labels ?? {})) {
        expect(key.split('/').pop()?.length).toBeLessThanOrEqual(63);
        expect(
          value.length <= 63 && labelValue.test(value),
          `${o.kind} label ${key}=${value}`,
        ).toBe(true);
      }
      // Namespaced objects go to the release namespace; cluster-scoped ones name none.
      const clusterScoped = o.kind.startsWith('ClusterRole');
      expect(o.metadata.namespace).toBe(clusterScoped ? undefined : 'gov-prod');
    }
    for (const s of r.of('Service'))
      expect(s.metadata.name).toMatch(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/);
  });

  it('runs every container non-root, read-only, unprivileged, with no capability, under RuntimeDefault seccomp', () => {
    expect(workloads.map((w) => w.metadata.name).sort()).toEqual(
      ['gov-control-plane', 'gov-gateway', 'gov-storage'].sort(),
    );
    for (const d of workloads) {
      const pod = d.spec.template.spec;
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(pod.securityContext?.runAsUser).toBeGreaterThan(0);
      for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
        expect(c.securityContext, `${d.metadata.name}/${c.name}`).toMatchObject({
          runAsNonRoot: true,
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        });
        expect(c.securityContext?.capabilities?.add).toBeUndefined();
      }
      // Only scratch space is writable (and the storage service's claimed
      // volume, from its claim template), Secrets are mounted read-only, and
      // nothing from the node is mounted.
      for (const v of pod.volumes ?? []) {
        const [source, ...more] = Object.keys(v).filter((k) => k !== 'name');
        expect(more, `${d.metadata.name} volume ${v.name}`).toEqual([]);
        expect(['emptyDir', 'secret'], `${d.metadata.name} volume ${v.name}`).toContain(source);
        const mounts = pod.containers.flatMap((c) => c.volumeMounts ?? []);
        for (const m of mounts.filter((mount) => mount.name === v.name && source === 'secret')) {
          expect(m.readOnly, `${d.metadata.name} mount ${m.mountPath}`).toBe(true);
        }
      }
    }
  });

  it('gives every Deployment and the StatefulSet probes, requests and limits', () => {
    for (const d of workloads) {
      for (const c of d.spec.template.spec.containers) {
        expect(c.livenessProbe, `${d.metadata.name} liveness`).toBeDefined();
        expect(c.readinessProbe, `${d.metadata.name} readiness`).toBeDefined();
        for (const side of ['requests', 'limits'] as const) {
          expect(Object.keys(c.resources?.[side] ?? {}).sort()).toEqual(['cpu', 'memory']);
        }
      }
    }
    const probe = controlPlane.spec.template.spec.containers[0] as Container & {
      readinessProbe: { httpGet: { path: string } };
      livenessProbe: { httpGet: { path: string } };
    };
    expect(probe.readinessProbe.httpGet.path).toBe('/readyz');
    expect(probe.livenessProbe.httpGet.path).toBe('/healthz');
  });

  it('keeps secrets out of ConfigMaps: they reach the processes as Secret references only', () => {
    const secretNames = /SECRET|KEY|PASSWORD|TOKEN|DATABASE_URL/;
    for (const cm of r.of<Manifest & { data: Record<string, string> }>('ConfigMap')) {
      for (const [key, value] of Object.entries(cm.data)) {
        expect(key, `${cm.metadata.name}.${key}`).not.toMatch(secretNames);
        expect(value, `${cm.metadata.name}.${key}`).not.toMatch(
          /\/\/[^/@\s]+:[^/@\s]+@|BEGIN .*PRIVATE KEY/,
        );
      }
    }
    for (const d of workloads) {
      for (const e of d.spec.template.spec.containers.flatMap((c) => c.env ?? [])) {
        // A *_FILE variable names a file mounted from a Secret, not the secret.
        if (secretNames.test(e.name) && !e.name.endsWith('_FILE')) {
          expect(e.valueFrom?.secretKeyRef, e.name).toBeDefined();
        }
      }
    }
    const v = r.values as {
      database: SecretRef & { existingSecret: string };
      masterKey: { existingSecret: string; key: string };
    };
    expect(environment(r, controlPlane).secrets).toMatchObject({
      DATABASE_URL: { name: v.database.existingSecret, key: v.database.key },
      GOV_MASTER_KEY: { name: v.masterKey.existingSecret, key: v.masterKey.key },
    });
  });

  it('gives the gateway one secret, the internal one, the control plane the six it needs and the storage service none in its environment', () => {
    expect(Object.keys(environment(r, gateway).secrets)).toEqual(['GOV_INTERNAL_SECRET']);
    expect(Object.keys(environment(r, controlPlane).secrets).sort()).toEqual(
      [
        'DATABASE_URL',
        'GOV_AUDIT_SIGNING_KEY',
        'GOV_INTERNAL_SECRET',
        'GOV_MASTER_KEY',
        'GOV_OIDC_CLIENT_SECRET',
        'GOV_STORAGE_KEY',
      ].sort(),
    );
    // The storage service reads its one secret from a mounted file.
    expect(environment(r, storage).secrets).toEqual({});
  });

  it('configures both processes so that the platform accepts the configuration', () => {
    const fill = (e: ReturnType<typeof environment>) => ({
      ...e.plain,
      ...Object.fromEntries(
        Object.keys(e.secrets).map((name) => [
          name,
          name === 'DATABASE_URL' ? 'postgres://gov:pw@db:5432/gov' : 'x'.repeat(48),
        ]),
      ),
    });
    const cp = loadConfig(fill(environment(r, controlPlane)));
    expect(cp).toMatchObject({
      driver: 'kubernetes',
      bindHost: '0.0.0.0',
      oidc: { kind: 'external' },
    });
    expect(cp.internalApiUrl).toBe('http://gov-control-plane.gov-prod.svc:7070');
    expect(cp.kubernetes.platformNamespace).toBe('gov-prod');
    expect(cp.kubernetes.runtimeImage).toMatch(/\/gov\/runtime:/);
    expect(cp.kubernetes.storage).toEqual({
      url: `http://gov-storage.gov-prod.svc:${storageValues.port}`,
      key: 'x'.repeat(48),
    });
    // Service bindings go to the gateway Service's relay port, where the gateway serves them.
    expect(cp.kubernetes.serviceRelay).toEqual({
      address: 'gov-gateway.gov-prod.svc:8090',
      port: 8090,
    });
    // The gateway reads the same configuration without the OIDC client secret.
    const gw = loadConfig(fill(environment(r, gateway)));
    expect(gw).toMatchObject({ driver: 'kubernetes' });
    expect(gw.kubernetes.serviceRelay?.port).toBe(8090);
    const relayPort = (gateway.spec.template.spec.containers[0] as Container).ports?.find(
      (p) => p.name === 'relay',
    );
    expect(relayPort?.containerPort).toBe(8090);
  });

  it('runs the platform image’s programs with its Node, writing only to mounted volumes', () => {
    // platform/container/image.test.ts runs the image with these commands.
    const container = (d: DeploymentObject) => d.spec.template.spec.containers[0] as Container;
    expect(container(controlPlane).command).toEqual([IMAGE_NODE, IMAGE_PROGRAMS.controlPlane]);
    expect(container(gateway).command).toEqual([IMAGE_NODE, IMAGE_PROGRAMS.gateway]);
    for (const d of deployments) {
      const mounted = (container(d).volumeMounts ?? []).map((m) => m.mountPath);
      expect(mounted.sort()).toEqual(['/tmp', environment(r, d).plain.GOV_DATA_DIR].sort());
    }
  });

  it('limits RBAC to what the driver uses: no wildcard, a read-only gateway', () => {
    const grants = (name: string) =>
      r
        .named<Manifest & { rules: Rule[] }>('ClusterRole', name)
        .rules.flatMap((rule) =>
          rule.apiGroups.flatMap((g) =>
            rule.resources.flatMap((res) =>
              rule.verbs.map((verb) => `${g || 'core'}/${res}:${verb}`),
            ),
          ),
        );
    const write = ['get', 'list', 'watch', 'create', 'patch', 'update', 'delete'];
    const read = ['get', 'list', 'watch'];
    const expected = [
      ...[
        'core/namespaces',
        'core/services',
        'core/secrets',
        'core/configmaps',
        'core/serviceaccounts',
      ]
        .concat(['core/resourcequotas', 'core/limitranges', 'apps/deployments'])
        // Each app's Durable Objects volume.
        .concat(['core/persistentvolumeclaims'])
        .concat(['autoscaling/horizontalpodautoscalers', 'policy/poddisruptionbudgets'])
        .concat(['networking.k8s.io/networkpolicies', 'networking.k8s.io/ingresses'])
        .concat(['gateway.networking.k8s.io/httproutes'])
        .flatMap((res) => write.map((v) => `${res}:${v}`)),
      ...['core/pods', 'core/events', 'discovery.k8s.io/endpointslices'].flatMap((res) =>
        read.map((v) => `${res}:${v}`),
      ),
      // `gov logs`: the containers' output, read only.
      'core/pods/log:get',
    ];
    const controlPlaneGrants = grants('gov-prod-gov-control-plane');
    expect(new Set(controlPlaneGrants).size).toBe(controlPlaneGrants.length);
    expect(controlPlaneGrants.sort()).toEqual(expected.sort());
    // The gateway's resolver is the driver's informers: Deployments, pods, EndpointSlices.
    expect(grants('gov-prod-gov-gateway').sort()).toEqual(
      ['apps/deployments', 'core/pods', 'discovery.k8s.io/endpointslices']
        .flatMap((res) => read.map((v) => `${res}:${v}`))
        .sort(),
    );
    for (const role of r.of<Manifest & { rules: Array<Rule & { nonResourceURLs?: string[] }> }>(
      'ClusterRole',
    )) {
      for (const rule of role.rules) {
        expect([...rule.apiGroups, ...rule.resources, ...rule.verbs]).not.toContain('*');
        expect(rule.nonResourceURLs).toBeUndefined();
      }
    }
    // Each binding gives its role to the ServiceAccount its Deployment runs as, and no one else.
    for (const d of deployments) {
      const sa = d.spec.template.spec.serviceAccountName;
      const binding = r.named<Manifest & { roleRef: { name: string }; subjects: unknown[] }>(
        'ClusterRoleBinding',
        `gov-prod-${d.metadata.name}`,
      );
      expect(binding.roleRef.name).toBe(`gov-prod-${d.metadata.name}`);
      expect(binding.subjects).toEqual([
        { kind: 'ServiceAccount', name: sa, namespace: 'gov-prod' },
      ]);
      r.named('ServiceAccount', sa);
    }
    // The storage service calls no Kubernetes API: an account of its own,
    // bound to nothing, whose token is never mounted.
    const storageAccount = storage.spec.template.spec.serviceAccountName;
    expect(storageAccount).toBe('gov-storage');
    expect(
      r.named<Manifest & { automountServiceAccountToken?: boolean }>(
        'ServiceAccount',
        storageAccount,
      ).automountServiceAccountToken,
    ).toBe(false);
    expect(storage.spec.template.spec.automountServiceAccountToken).toBe(false);
    for (const binding of r.of<Manifest & { subjects: Array<{ name: string }> }>(
      'ClusterRoleBinding',
    )) {
      expect(binding.subjects.map((s) => s.name)).not.toContain(storageAccount);
    }
  });

  it('points Services, PodDisruptionBudgets and NetworkPolicies at the right pods', () => {
    for (const d of workloads) {
      const pods = d.spec.template.metadata.labels;
      // The labels ministries' NetworkPolicies admit the platform's pods by
      // (PlatformPlacement in platform/src/drivers/select-driver.ts; for the
      // storage pods, exactly these two labels).
      expect(pods).toMatchObject({
        'app.kubernetes.io/part-of': 'gov-platform',
        'app.kubernetes.io/component': d.metadata.name.replace('gov-', ''),
      });
      expect(matches(d.spec.selector.matchLabels, pods)).toBe(true);
      for (const other of workloads.filter((o) => o !== d)) {
        expect(matches(d.spec.selector.matchLabels, other.spec.template.metadata.labels)).toBe(
          false,
        );
      }
      // No budget for the storage service's single pod (see storage.yaml).
      const kinds =
        d.kind === 'StatefulSet'
          ? ['Service', 'NetworkPolicy']
          : ['Service', 'PodDisruptionBudget', 'NetworkPolicy'];
      for (const kind of kinds) {
        if (kind === 'NetworkPolicy' && r.of(kind).length === 0) continue;
        const o = r.named<
          Manifest & {
            spec: Record<string, { matchLabels?: Record<string, string> } & Record<string, string>>;
          }
        >(kind, d.metadata.name);
        const selector =
          o.spec.selector?.matchLabels ?? o.spec.podSelector?.matchLabels ?? o.spec.selector;
        expect(
          matches(selector as Record<string, string>, pods),
          `${kind} ${d.metadata.name}`,
        ).toBe(true);
        for (const other of workloads.filter((o) => o !== d)) {
          expect(
            matches(selector as Record<string, string>, other.spec.template.metadata.labels),
            `${kind} ${d.metadata.name} selects ${other.metadata.name}`,
          ).toBe(false);
        }
      }
    }
  });

  it('runs the storage service: the runtime image as `storage`, one pod, its data on a claimed volume', () => {
    expect(storage.spec.replicas).toBe(1);
    expect(storage.spec.serviceName).toBe('gov-storage');
    expect(storage.spec.podManagementPolicy).toBe('OrderedReady');
    expect(storage.spec.updateStrategy).toEqual({ type: 'RollingUpdate' });
    expect(storage.spec.persistentVolumeClaimRetentionPolicy).toEqual({
      whenDeleted: 'Retain',
      whenScaled: 'Retain',
    });
    const pod = storage.spec.template.spec;
    expect(pod.terminationGracePeriodSeconds).toBe(30);
    // fsGroup: the claimed volume is writable by the pod's group.
    expect(pod.securityContext).toMatchObject({
      fsGroup: expect.any(Number),
      fsGroupChangePolicy: 'OnRootMismatch',
    });
    expect(pod.containers).toHaveLength(1);
    const container = pod.containers[0] as Container;
    // The image apps run in; its entrypoint runs the storage service.
    expect(container.image).toBe(environment(r, controlPlane).plain.GOV_RUNTIME_IMAGE);
    expect(container.command).toBeUndefined();
    expect(container.args).toEqual(['storage']);
    const env = environment(r, storage).plain;
    expect(env).toEqual({
      GOV_STORAGE_LISTEN: `0.0.0.0:${storageValues.port}`,
      GOV_STORAGE_DATA_DIR: '/var/lib/gov-storage',
      GOV_STORAGE_KEY_FILE: '/var/run/gov/storage-key/storage-key',
      GOV_WORK_DIR: '/tmp/gov',
    });
    // The runtime's own reading of these settings accepts them.
    expect(parseStorageSettings(env)).toMatchObject({
      listenAddress: env.GOV_STORAGE_LISTEN,
      dataDir: env.GOV_STORAGE_DATA_DIR,
      keyFile: env.GOV_STORAGE_KEY_FILE,
      workDir: env.GOV_WORK_DIR,
    });
    expect(container.ports).toEqual([
      { name: 'http', containerPort: storageValues.port, protocol: 'TCP' },
    ]);
    for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe'] as const) {
      expect(container[probe], probe).toMatchObject({
        tcpSocket: { port: 'http' },
      });
    }

    // Written to: the claimed volume and an emptyDir; read: the key, from its Secret.
    const mounts = Object.fromEntries((container.volumeMounts ?? []).map((m) => [m.mountPath, m]));
    expect(Object.keys(mounts).sort()).toEqual(
      ['/tmp/gov', '/var/lib/gov-storage', '/var/run/gov/storage-key'].sort(),
    );
    const volume = (mountPath: string) =>
      (pod.volumes ?? []).find((v) => v.name === mounts[mountPath]?.name);
    expect(mounts['/var/lib/gov-storage']?.name).toBe('data');
    expect(volume('/var/lib/gov-storage')).toBeUndefined();
    expect(volume('/tmp/gov')).toHaveProperty('emptyDir');
    expect(mounts['/var/run/gov/storage-key']?.readOnly).toBe(true);
    expect(volume('/var/run/gov/storage-key')).toEqual({
      name: 'storage-key',
      secret: {
        secretName: storageValues.key.existingSecret,
        items: [{ key: storageValues.key.key, path: 'storage-key' }],
        defaultMode: 0o440,
      },
    });

    // The claim template, under the mount's volume name.
    expect(storage.spec.volumeClaimTemplates).toEqual([
      {
        metadata: {
          name: 'data',
          // Selector labels only: a claim template is fixed at install, and
          // the chart's version changes.
          labels: storage.spec.selector.matchLabels,
        },
        spec: {
          accessModes: ['ReadWriteOnce'],
          ...(storageValues.persistence.storageClassName
            ? { storageClassName: storageValues.persistence.storageClassName }
            : {}),
          resources: { requests: { storage: storageValues.persistence.size } },
        },
      },
    ]);
  });

  it('gives the control plane the storage Service’s URL in the release namespace and the storage key from its Secret', () => {
    const cp = environment(r, controlPlane);
    const url = new URL(cp.plain.GOV_STORAGE_URL ?? '');
    expect(url.href).toBe(`http://gov-storage.gov-prod.svc:${storageValues.port}/`);
    const [serviceName, namespace] = url.hostname.split('.');
    const service = r.named<
      Manifest & {
        spec: {
          type: string;
          selector: Record<string, string>;
          ports: Array<{ name: string; port: number; targetPort: string; protocol: string }>;
        };
      }
    >('Service', serviceName ?? '');
    expect(service.metadata.namespace).toBe(namespace);
    expect(service.spec.type).toBe('ClusterIP');
    expect(service.spec.ports).toEqual([
      { name: 'http', port: Number(url.port), targetPort: 'http', protocol: 'TCP' },
    ]);
    expect(matches(service.spec.selector, storage.spec.template.metadata.labels)).toBe(true);
    // The same Secret and key as the storage pod's key file.
    expect(cp.secrets.GOV_STORAGE_KEY).toEqual({
      name: storageValues.key.existingSecret,
      key: storageValues.key.key,
    });
    // The gateway has no business with the storage service.
    const gw = environment(r, gateway);
    expect(
      Object.keys({ ...gw.plain, ...gw.secrets }).filter((k) => k.startsWith('GOV_STORAGE')),
    ).toEqual([]);
  });

  it('admits only apps’ pods and the control plane to the storage service, on its port, and lets it out nowhere', () => {
    const policy = r.named<NetworkPolicyObject>('NetworkPolicy', 'gov-storage');
    expect(policy.spec.policyTypes.sort()).toEqual(['Egress', 'Ingress']);
    expect(policy.spec.egress ?? []).toEqual([]);
    const v = r.values as { networkPolicy: { appNamespaceLabels: Record<string, string> } };
    expect(policy.spec.ingress).toEqual([
      {
        from: [
          // App pods, as the driver labels them, in namespaces it labels.
          {
            namespaceSelector: { matchLabels: v.networkPolicy.appNamespaceLabels },
            podSelector: { matchLabels: { 'app.kubernetes.io/managed-by': 'gov-platform' } },
          },
          // The control plane's pods, in the release namespace.
          { podSelector: { matchLabels: controlPlane.spec.selector.matchLabels } },
        ],
        ports: [{ protocol: 'TCP', port: storageValues.port }],
      },
    ]);
    // App pods are the driver's (labelled managed-by=gov-platform), never
    // the platform's own pods, which Helm manages; of those, the control
    // plane's only are admitted.
    const [apps, platform] = policy.spec.ingress?.[0]?.from ?? [];
    const selected = (peer: NetworkPolicyPeer | undefined) =>
      workloads
        .filter((w) =>
          matches(peer?.podSelector?.matchLabels ?? {}, w.spec.template.metadata.labels),
        )
        .map((w) => w.metadata.name);
    expect(selected(apps)).toEqual([]);
    expect(selected(platform)).toEqual(['gov-control-plane']);
    // The control plane's own policy leaves its egress open: its calls reach the storage pods.
    expect(
      r.named<NetworkPolicyObject>('NetworkPolicy', 'gov-control-plane').spec.policyTypes,
    ).toEqual(['Ingress']);
  });

  it('routes the Ingresses to the Services, one wildcard host per ministry for citizens', () => {
    const v = r.values as {
      baseDomain: string;
      publicApiUrl: string;
      ingress: {
        gateway: { ministries: string[]; tlsSecretName: string };
        api: { tlsSecretName: string };
      };
    };
    type IngressObject = Manifest & {
      spec: {
        tls?: Array<{ hosts: string[]; secretName: string }>;
        rules: Array<{
          host: string;
          http: {
            paths: Array<{ backend: { service: { name: string; port: { name: string } } } }>;
          };
        }>;
      };
    };
    const api = r.named<IngressObject>('Ingress', 'gov-control-plane');
    expect(api.spec.rules.map((rule) => rule.host)).toEqual([new URL(v.publicApiUrl).hostname]);
    const citizens = r.named<IngressObject>('Ingress', 'gov-gateway');
    const hosts = v.ingress.gateway.ministries.map((m) => `*.${m}.${v.baseDomain}`);
    expect(citizens.spec.rules.map((rule) => rule.host)).toEqual(hosts);
    expect(citizens.spec.tls?.[0]?.hosts).toEqual(
      v.ingress.gateway.tlsSecretName ? hosts : undefined,
    );
    expect(api.spec.tls?.[0]?.secretName).toBe(v.ingress.api.tlsSecretName || undefined);
    for (const ingress of [api, citizens]) {
      for (const rule of ingress.spec.rules) {
        for (const p of rule.http.paths) {
          const service = r.named<Manifest & { spec: { ports: Array<{ name: string }> } }>(
            'Service',
            p.backend.service.name,
          );
          expect(service.spec.ports.map((port) => port.name)).toContain(
            p.backend.service.port.name,
          );
        }
      }
    }
  });
});

describe('charts/gov-platform across values', () => {
  it('renders the production values with the two replicas, images and Secrets asked for', () => {
    const r = renderScenario([production]);
    for (const d of r.of<DeploymentObject>('Deployment')) {
      expect(d.spec.replicas).toBe(2);
      expect(d.spec.template.spec.containers[0]?.image).toBe(
        'registry.sante.gouv.example/gov/platform:1.4.2',
      );
    }
    const cp = environment(r, r.named<DeploymentObject>('Deployment', 'gov-control-plane'));
    expect(cp.secrets.DATABASE_URL).toEqual({ name: 'gov-postgres-primary', key: 'DATABASE_URL' });
    expect(cp.plain.GOV_OIDC_ISSUER).toBe('https://sso.gouv.ml/realms/agents-publics');
    expect(cp.plain.GOV_RUNTIME_IMAGE).toBe('registry.sante.gouv.example/gov/runtime:1.4.2');
    expect(cp.plain.GOV_MAX_BUNDLE_BYTES).toBe('20971520');
    expect(cp.plain.GOV_STORAGE_URL).toBe('http://gov-storage.gov-prod.svc:9090');
    expect(cp.secrets.GOV_STORAGE_KEY).toEqual({ name: 'gov-storage-hmac', key: 'secret' });
    const storage = r.named<StatefulSetObject>('StatefulSet', 'gov-storage');
    expect(storage.spec.replicas).toBe(1);
    expect(storage.spec.template.spec.containers[0]?.image).toBe(
      'registry.sante.gouv.example/gov/runtime:1.4.2',
    );
    expect(storage.spec.volumeClaimTemplates[0]?.spec).toMatchObject({
      storageClassName: 'ceph-rbd-retain',
      resources: { requests: { storage: '200Gi' } },
    });
    expect(storage.spec.template.spec).toMatchObject({
      nodeSelector: { 'node-role.gouv.ml/platform': 'true' },
      imagePullSecrets: [{ name: 'gov-registry' }],
    });
  });

  it('leaves out the storage service, and the control plane’s GOV_STORAGE_* settings, when disabled', () => {
    for (const values of [
      [{ storage: { enabled: false } }],
      [production, { storage: { enabled: false } }],
    ]) {
      const r = renderScenario(values);
      for (const object of r.objects) validateManifest(object);
      expect(r.of('StatefulSet')).toEqual([]);
      expect(
        r.objects
          .filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'storage')
          .map((o) => `${o.kind}/${o.metadata.name}`),
      ).toEqual([]);
      expect(r.objects.map((o) => o.metadata.name)).not.toContain('gov-storage');
      const controlPlane = r.named<DeploymentObject>('Deployment', 'gov-control-plane');
      const cp = environment(r, controlPlane);
      expect(
        Object.keys({ ...cp.plain, ...cp.secrets }).filter((k) => k.startsWith('GOV_STORAGE')),
      ).toEqual([]);
      // The platform then runs without a storage service, and refuses such bindings.
      const config = loadConfig({
        ...cp.plain,
        ...Object.fromEntries(Object.keys(cp.secrets).map((k) => [k, 'x'.repeat(48)])),
        DATABASE_URL: 'postgres://gov:pw@db:5432/gov',
      });
      expect(config.kubernetes.storage).toBeNull();
      expect(r.notes).not.toMatch(/storage/);
    }
  });

  it('rolls the pods when a setting changes', () => {
    const checksum = (baseDomain: string) =>
      renderScenario([{ baseDomain }]).named<DeploymentObject>('Deployment', 'gov-gateway').spec
        .template.metadata.annotations?.['checksum/config'];
    expect(checksum('a.gouv.example')).not.toBe(checksum('b.gouv.example'));
  });

  it('leaves out the Ingresses and NetworkPolicies when disabled', () => {
    const r = renderScenario([{ ingress: { enabled: false }, networkPolicy: { enabled: false } }]);
    expect(r.of('Ingress')).toEqual([]);
    expect(r.of('NetworkPolicy')).toEqual([]);
    expect(r.notes).not.toContain('ministries only');
  });

  it('tells the operator in NOTES.txt which Secrets to create first', () => {
    const { notes } = renderScenario([production]);
    for (const secret of [
      'gov-postgres-primary',
      'gov-oidc-client',
      'gov-kms-master',
      'gov-internal-capabilities',
      'gov-audit-ed25519',
      'gov-storage-hmac',
    ]) {
      expect(notes).toContain(secret);
    }
    // How to make the storage key, and whose job its data's backups are.
    expect(notes).toContain(
      'create secret generic gov-storage-hmac --from-literal=secret="$(openssl rand -hex 32)"',
    );
    expect(notes).toContain('data-gov-storage-0');
    expect(notes).toMatch(/Backing it up is yours/);
    // The image has no shell and no cat: its own Node reads the bootstrap
    // token (platform/container/image.test.ts runs this command).
    const [node, flag, script] = readBootstrapTokenCommand('/var/lib/gov');
    expect(notes).toContain(`exec deployment/gov-control-plane -- ${node} ${flag} "${script}"`);
  });

  it('fails validation of an object with a wrong type or a misspelt field', () => {
    const deployment = structuredClone(
      renderScenario([]).named<DeploymentObject>('Deployment', 'gov-gateway'),
    ) as DeploymentObject;
    const container = deployment.spec.template.spec.containers[0] as Container &
      Record<string, unknown>;
    container.ports = [{ name: 'http', containerPort: 'eighty' as unknown as number }];
    expect(() => validateManifest(deployment)).toThrow('containerPort');
    container.ports = [{ name: 'http', containerPort: 8080 }];
    (container.securityContext as Record<string, unknown>).readOnlyRootFilesytem = true;
    expect(() => validateManifest(deployment)).toThrow(
      'fields Kubernetes does not know: .spec.template.spec.containers[0].securityContext.readOnlyRootFilesytem',
    );
    expect(() =>
      validateManifest({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'x' } }),
    ).toThrow('no validator for this kind');
  });
});
