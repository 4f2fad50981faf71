import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectlAgainst } from './clients.ts';
import { type KubernetesApiDouble, startKubernetesApiDouble } from './start.ts';

/**
 * The proof that the double is enough for real tooling: Debian's kubectl
 * (v1.32) against it, from discovery to server-side apply, rollout status
 * and deletion, with no --validate=false and no client-side schemas.
 */
let double: KubernetesApiDouble;
let kubectl: Awaited<ReturnType<typeof kubectlAgainst>>;

beforeAll(async () => {
  double = await startKubernetesApiDouble({
    podReadyDelayMs: 50,
    podBehaviour: (pod) => (JSON.stringify(pod.spec).includes('broken') ? 'crash_loop' : 'ready'),
  });
  kubectl = await kubectlAgainst(double);
});
afterAll(async () => {
  await kubectl.cleanup();
  await double.close();
});

function manifest(replicas: number, image = 'registry.example/web:1', deadline = 600) {
  return `
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web}
spec:
  replicas: ${replicas}
  progressDeadlineSeconds: ${deadline}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: app
        image: ${image}
        ports:
        - containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 8080
`;
}

describe('kubectl against the double', () => {
  it('gets namespaces through discovery and server-side printing', async () => {
    const result = await kubectl.run(['get', 'namespaces']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^NAME\s+STATUS\s+AGE$/m);
    expect(result.stdout).toMatch(/^default\s+Active\s+\d+s$/m);
  });

  it('applies manifests server-side', async () => {
    const result = await kubectl.run(['apply', '--server-side', '-f', '-'], manifest(2));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([
      'namespace/shop serverside-applied',
      'deployment.apps/web serverside-applied',
      'service/web serverside-applied',
    ]);
  });

  it('waits for the rollout with rollout status', async () => {
    const result = await kubectl.run([
      'rollout',
      'status',
      'deployment/web',
      '-n',
      'shop',
      '--timeout=20s',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('deployment "web" successfully rolled out');
  });

  it('shows the deployment, its pods and the service in tables', async () => {
    const deployments = await kubectl.run(['get', 'deployments', '-n', 'shop']);
    expect(deployments.stdout).toMatch(/^web\s+2\/2\s+2\s+2\s+\d+s$/m);
    const pods = await kubectl.run(['get', 'pods', '-n', 'shop', '-l', 'app=web', '--no-headers']);
    const rows = pods.stdout.trim().split('\n');
    expect(rows).toHaveLength(2);
    for (const row of rows)
      expect(row).toMatch(/^web-[a-z0-9]+-[a-z0-9]{5}\s+1\/1\s+Running\s+0\s+\d+s$/);
    const services = await kubectl.run([
      'get',
      'svc',
      'web',
      '-n',
      'shop',
      '-o',
      'jsonpath={.spec.clusterIP}',
    ]);
    expect(services.stdout).toMatch(/^10\.96\.\d+\.\d+$/);
  });

  it('creates from manifests and scales through the scale subresource', async () => {
    const created = await kubectl.run(
      ['create', '-f', '-'],
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata:\n  mode: fast\n',
    );
    expect(created.stdout.trim()).toBe('configmap/settings created');
    const scaled = await kubectl.run(['scale', 'deployment/web', '-n', 'shop', '--replicas=2']);
    expect(scaled.stdout.trim()).toBe('deployment.apps/web scaled');
  });

  it('says plainly that protobuf bodies (kubectl create <generator>) are not supported', async () => {
    const result = await kubectl.run(['create', 'namespace', 'generated']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('accepts JSON bodies only');
  });

  it('refuses a second field manager changing an owned field, naming the conflict', async () => {
    const result = await kubectl.run(
      ['apply', '--server-side', '--field-manager=intruder', '-f', '-'],
      manifest(5),
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(
      'Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas',
    );
  });

  it('lets the second manager take the field with --force-conflicts', async () => {
    const result = await kubectl.run(
      ['apply', '--server-side', '--field-manager=intruder', '--force-conflicts', '-f', '-'],
      manifest(3),
    );
    expect(result.code).toBe(0);
    const replicas = await kubectl.run([
      'get',
      'deployment',
      'web',
      '-n',
      'shop',
      '-o',
      'jsonpath={.spec.replicas}',
    ]);
    expect(replicas.stdout).toBe('3');
  });

  it('has unknown fields refused by server-side validation (Strict)', async () => {
    const typo =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: typo\n  namespace: default\ndatta:\n  key: value\n';
    const result = await kubectl.run(['apply', '--server-side', '-f', '-'], typo);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('unknown field "datta"');
  });

  it('reports a rollout that exceeds its progress deadline', async () => {
    const broken = await kubectl.run(
      ['apply', '--server-side', '--force-conflicts', '-f', '-'],
      manifest(3, 'registry.example/web:broken', 1),
    );
    expect(broken.code).toBe(0);
    const result = await kubectl.run([
      'rollout',
      'status',
      'deployment/web',
      '-n',
      'shop',
      '--timeout=20s',
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('deployment "web" exceeded its progress deadline');
  });

  it('deletes the deployment, then the namespace, waiting until they are gone', async () => {
    const deployment = await kubectl.run(['delete', 'deployment', 'web', '-n', 'shop']);
    expect(deployment.code).toBe(0);
    expect(deployment.stdout.trim()).toBe('deployment.apps "web" deleted');
    const namespace = await kubectl.run(['delete', 'namespace', 'shop', '--timeout=20s']);
    expect(namespace.code).toBe(0);
    const gone = await kubectl.run(['get', 'deployment', 'web', '-n', 'shop']);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('NotFound');
  });
});
