import { generateKeyPairSync } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { podman, podmanVersion } from '@gov/runtime/container/podman';
import { AppsV1Api } from '@kubernetes/client-node';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase } from '../src/db/test-database.ts';
import { pickFreePort } from '../src/net/free-port.ts';
import {
  type KubernetesApiDouble,
  kubeConfigFor,
  startKubernetesApiDouble,
} from '../src/testing/kubernetes-api-double/index.ts';
import { buildImage, IMAGE_UID } from './build.ts';
import { IMAGE_NODE, IMAGE_PROGRAMS, readBootstrapTokenCommand } from './programs.ts';

/**
 * The platform image run as the Helm chart runs it (charts/gov-platform):
 * the chart's restrictions as podman flags, its emptyDirs as tmpfs mounts
 * owned by root (a pod's emptyDir is not the process's own), its limits,
 * GOV_DRIVER=kubernetes against the Kubernetes API server double, and
 * external PostgreSQL. The host network stands in for the pod network; every
 * port is on 127.0.0.1.
 */
/** The chart's GOV_DATA_DIR, an emptyDir. */
const DATA_DIR = '/var/lib/gov';

const restricted = (memory: string) => [
  '--read-only',
  '--cap-drop',
  'all',
  '--user',
  `${IMAGE_UID}:${IMAGE_UID}`,
  '--security-opt',
  'no-new-privileges',
  '--memory',
  memory,
  '--cpus',
  '1',
  '--pids-limit',
  '128',
  '--network',
  'host',
  '--tmpfs',
  '/tmp:rw,size=64m,mode=0777',
  '--tmpfs',
  `${DATA_DIR}:rw,size=64m,mode=0777`,
];

const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Why the test cannot run here, or undefined. */
async function missing(): Promise<string | undefined> {
  if (!podmanVersion()) return 'podman is not installed (CI installs it; see .ci/run)';
  const client = postgres(serverUrl, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await client`select 1`;
    return undefined;
  } catch (error) {
    // With DATABASE_URL set, the server is meant to be there: fail, do not skip.
    if (process.env.DATABASE_URL) throw error;
    return `no PostgreSQL server at ${serverUrl} (set DATABASE_URL)`;
  } finally {
    await client.end({ timeout: 1 });
  }
}

const skipReason = await missing();
if (skipReason) console.warn(`platform/container/image.test.ts skipped: ${skipReason}`);

const internalSecret = 'image-test-internal-secret-0123456789abcdef';
const runtimeImage = 'registry.gouv.example/gov/runtime:image-test';

describe.skipIf(skipReason)('the platform image, as the chart runs it', () => {
  let image: string;
  let builtHere = false;
  let double: KubernetesApiDouble;
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let dir: string;
  const ports = { api: 0, gateway: 0, idp: 0 };
  const names = {
    controlPlane: `gov-platform-test-cp-${process.pid}`,
    gateway: `gov-platform-test-gw-${process.pid}`,
  };
  let token = '';

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gov-platform-image-'));
    // The image's user reads the kubeconfig through the world-read bits.
    await chmod(dir, 0o755);
    const built = await buildImage({ contextDir: path.join(dir, 'context'), quiet: true });
    image = built.tag;
    builtHere = built.built;

    double = await startKubernetesApiDouble({ podReadyDelayMs: 30 });
    await writeFile(path.join(dir, 'kubeconfig'), double.kubeconfig, { mode: 0o444 });
    scratch = await createScratchDatabase(serverUrl);
    ports.api = await pickFreePort();
    ports.gateway = await pickFreePort();
    ports.idp = await pickFreePort();

    const common = {
      GOV_DRIVER: 'kubernetes',
      GOV_RUNTIME_IMAGE: runtimeImage,
      GOV_BIND_HOST: '127.0.0.1',
      GOV_DATA_DIR: DATA_DIR,
      GOV_API_PORT: String(ports.api),
      GOV_GATEWAY_PORT: String(ports.gateway),
      GOV_INTERNAL_SECRET: internalSecret,
      GOV_INTERNAL_API_URL: `http://127.0.0.1:${ports.api}`,
      KUBECONFIG: '/etc/gov/kubeconfig',
    };
    const auditKey = generateKeyPairSync('ed25519')
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    // The gateway first: pods start in any order, and it must not need a
    // control plane that answers yet.
    await run(names.gateway, '256m', IMAGE_PROGRAMS.gateway, common);
    await run(names.controlPlane, '512m', IMAGE_PROGRAMS.controlPlane, {
      ...common,
      DATABASE_URL: scratch.url,
      GOV_DEV_IDP_PORT: String(ports.idp),
      GOV_AUDIT_SIGNING_KEY: auditKey,
    });
  }, 180_000);

  afterAll(async () => {
    for (const name of Object.values(names)) await podman(['rm', '--force', '--time', '0', name]);
    if (builtHere) await podman(['rmi', '--force', image]);
    await double?.close();
    await scratch?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 60_000);

  /** Starts one program the way the chart's Deployment does: `/opt/gov/node <program>`. */
  async function run(name: string, memory: string, program: string, env: Record<string, string>) {
    await podman(
      [
        'run',
        '--detach',
        '--name',
        name,
        ...restricted(memory),
        '--volume',
        `${path.join(dir, 'kubeconfig')}:/etc/gov/kubeconfig:ro`,
        ...Object.entries(env).flatMap(([key, value]) => ['--env', `${key}=${value}`]),
        '--entrypoint',
        IMAGE_NODE,
        image,
        program,
      ],
      { check: true },
    );
  }

  /** The first answer from a container; fails at once, with its log, if it stopped. */
  async function answer(name: string, url: string, init?: RequestInit): Promise<Response> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      try {
        return await fetch(url, { ...init, signal: AbortSignal.timeout(5_000) });
      } catch {
        const state = await podman(['inspect', '--format', '{{.State.Status}}', name]);
        if (state.stdout.trim() !== 'running') {
          const logs = await podman(['logs', name]);
          throw new Error(`${name} is ${state.stdout.trim()}: ${logs.stdout}${logs.stderr}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
    throw new Error(`${url} never answered`);
  }

  async function call(method: string, url: string, body?: unknown) {
    const res = await fetch(`http://127.0.0.1:${ports.api}${url}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON shapes.
    return { status: res.status, json: (await res.json().catch(() => undefined)) as any };
  }

  it('the control plane becomes ready on PostgreSQL, with the Kubernetes driver, as a non-root user', async () => {
    let ready = await answer(names.controlPlane, `http://127.0.0.1:${ports.api}/readyz`);
    // It listens before it has migrated and reconciled: 503 until then.
    for (let i = 0; ready.status !== 200 && i < 240; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      ready = await answer(names.controlPlane, `http://127.0.0.1:${ports.api}/readyz`);
    }
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ runtime: { driver: 'kubernetes' } });
    for (const name of Object.values(names)) {
      const top = await podman(['top', name, 'user', 'args'], { check: true });
      expect(top.stdout).toContain(IMAGE_NODE);
      expect(top.stdout).not.toMatch(/^root\s/m);
    }
  });

  it('hands out the bootstrap token the way NOTES.txt says, with no shell in the image', async () => {
    // The chart's NOTES.txt tells operators to run exactly this through kubectl exec.
    const read = await podman(
      ['exec', names.controlPlane, ...readBootstrapTokenCommand(DATA_DIR)],
      { check: true },
    );
    token = read.stdout.trim();
    expect(token).toMatch(/^gov_/);
    expect((await podman(['exec', names.controlPlane, 'sh', '-c', 'true'])).code).not.toBe(0);
  });

  it('a deploy makes the driver write the version’s Deployment on the API server', async () => {
    expect(
      (await call('POST', '/v1/ministries', { name: 'sante', displayName: 'Santé' })).status,
    ).toBe(201);
    expect((await call('POST', '/v1/ministries/sante/apps', { name: 'rendez-vous' })).status).toBe(
      201,
    );
    const source = "export default { fetch() { return new Response('bonjour'); } };";
    const deployed = await call('POST', '/v1/ministries/sante/apps/rendez-vous/deployments', {
      mainModule: 'index.js',
      modules: [
        {
          name: 'index.js',
          type: 'esModule',
          contentBase64: Buffer.from(source).toString('base64'),
        },
      ],
      compatibilityDate: '2026-04-01',
    });
    expect(deployed.status, JSON.stringify(deployed.json)).toBe(202);

    const apps = kubeConfigFor(double).makeApiClient(AppsV1Api);
    await expect
      .poll(
        async () =>
          (await apps.listNamespacedDeployment({ namespace: 'gov-sante' })).items.map((d) => ({
            name: d.metadata?.name,
            image: d.spec?.template.spec?.containers[0]?.image,
          })),
        { timeout: 30_000, interval: 250 },
      )
      .toEqual([{ name: 'rendez-vous-v1', image: runtimeImage }]);
    // The double's pods become ready, so the version goes live.
    await expect
      .poll(
        async () =>
          (await call('GET', '/v1/ministries/sante/apps/rendez-vous/deployments/1')).json?.live,
        { timeout: 30_000, interval: 250 },
      )
      .toBe(true);
  });

  it('the gateway, started before the control plane, answers an unknown address with its French 404 page', async () => {
    const res = await answer(names.gateway, `http://127.0.0.1:${ports.gateway}/`, {
      headers: { host: 'inconnu.sante.localhost' },
    });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await res.text();
    expect(page).toContain('<html lang="fr">');
    expect(page).toContain('Service introuvable');
  });
});
