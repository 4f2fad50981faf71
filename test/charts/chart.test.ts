import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@gov/platform';
import {
  IMAGE_NODE,
  IMAGE_PROGRAMS,
  readBootstrapTokenCommand,
} from '@gov/platform/container/programs';
import { describe, expect, it } from 'vitest';
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
  volumeMounts?: Array<{ name: string; mountPath: string }>;
  env?: Array<{ name: string; value?: string; valueFrom?: { secretKeyRef?: SecretRef } }>;
  envFrom?: Array<{ configMapRef?: { name: string } }>;
  securityContext?: Record<string, unknown> & {
    capabilities?: { drop?: string[]; add?: string[] };
  };
  resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
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

/** What a Deployment's containers see: the ConfigMaps' data and the Secrets' references. */
function environment(r: ReturnType<typeof renderScenario>, deployment: DeploymentObject) {
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
        'PodDisruptionBudget/gov-control-plane',
        'PodDisruptionBudget/gov-gateway',
        'Service/gov-control-plane',
        'Service/gov-gateway',
        'ServiceAccount/gov-control-plane',
        'ServiceAccount/gov-gateway',
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
    for (const d of deployments) {
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
      // Only scratch space is writable, and nothing from the node is mounted.
      for (const v of pod.volumes ?? [])
        expect(Object.keys(v).sort()).toEqual(['emptyDir', 'name']);
    }
  });

  it('gives every Deployment probes, requests and limits', () => {
    for (const d of deployments) {
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
    for (const d of deployments) {
      for (const e of d.spec.template.spec.containers.flatMap((c) => c.env ?? [])) {
        if (secretNames.test(e.name)) expect(e.valueFrom?.secretKeyRef, e.name).toBeDefined();
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

  it('gives the gateway one secret, the internal one, and the control plane the five it needs', () => {
    expect(Object.keys(environment(r, gateway).secrets)).toEqual(['GOV_INTERNAL_SECRET']);
    expect(Object.keys(environment(r, controlPlane).secrets).sort()).toEqual(
      [
        'DATABASE_URL',
        'GOV_AUDIT_SIGNING_KEY',
        'GOV_INTERNAL_SECRET',
        'GOV_MASTER_KEY',
        'GOV_OIDC_CLIENT_SECRET',
      ].sort(),
    );
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
    // The gateway reads the same configuration without the OIDC client secret.
    expect(loadConfig(fill(environment(r, gateway)))).toMatchObject({ driver: 'kubernetes' });
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
        .concat(['autoscaling/horizontalpodautoscalers', 'policy/poddisruptionbudgets'])
        .concat(['networking.k8s.io/networkpolicies', 'networking.k8s.io/ingresses'])
        .concat(['gateway.networking.k8s.io/httproutes'])
        .flatMap((res) => write.map((v) => `${res}:${v}`)),
      ...['core/pods', 'core/events', 'discovery.k8s.io/endpointslices'].flatMap((res) =>
        read.map((v) => `${res}:${v}`),
      ),
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
  });

  it('points Services, PodDisruptionBudgets and NetworkPolicies at the right pods', () => {
    for (const d of deployments) {
      const pods = d.spec.template.metadata.labels;
      // The labels ministries' NetworkPolicies admit the platform's pods by
      // (PlatformPlacement in platform/src/drivers/select-driver.ts).
      expect(pods).toMatchObject({
        'app.kubernetes.io/part-of': 'gov-platform',
        'app.kubernetes.io/component': d.metadata.name.replace('gov-', ''),
      });
      expect(matches(d.spec.selector.matchLabels, pods)).toBe(true);
      const other = deployments.find((o) => o !== d)?.spec.template.metadata.labels ?? {};
      for (const kind of ['Service', 'PodDisruptionBudget', 'NetworkPolicy']) {
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
        expect(
          matches(selector as Record<string, string>, other),
          `${kind} ${d.metadata.name}`,
        ).toBe(false);
      }
    }
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
    ]) {
      expect(notes).toContain(secret);
    }
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
