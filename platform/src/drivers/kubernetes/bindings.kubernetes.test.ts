import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { storageCapability, storageKeysFrom } from '@gov/runtime';
import { CoreV1Api, NetworkingV1Api } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningControlPlane } from '../../control-plane.ts';
import type { RunningGateway } from '../../gateway/start-gateway.ts';
import { pickFreePort } from '../../net/free-port.ts';
import { apiCaller, settledVersion } from '../../testing/api-caller.ts';
import { bundleOf } from '../../testing/api-harness.ts';
import {
  type KubernetesApiDouble,
  kubeConfigFor,
  startKubernetesApiDouble,
} from '../../testing/kubernetes-api-double/index.ts';
import {
  type KubernetesPlatform,
  startKubernetesPlatform,
} from '../../testing/kubernetes-platform.ts';
import { fetchVia } from '../../testing/platform-harness.ts';
import {
  type RuntimeEntrypointPods,
  runtimeEntrypointPods,
} from '../../testing/runtime-pods/entrypoint-pods.ts';

/**
 * KV, D1 and R2, cron triggers, logs, service bindings and Durable Objects on Kubernetes: the control plane with GOV_DRIVER=kubernetes
 * on the Kubernetes API server DOUBLE, its pods really running (the runtime
 * entrypoint, as in citizens.kubernetes.test.ts), and the storage service as
 * the chart's StatefulSet runs it: the same entrypoint in `storage` mode,
 * with the secret it shares with the control plane. Citizens write through
 * the gateway; the data lives in the storage service, and survives its
 * restart. No container isolation here: runtime/container tests the image.
 */
const ENTRYPOINT = fileURLToPath(
  new URL('../../../../runtime/src/entrypoint/main.ts', import.meta.url),
);
const HOST = 'etat-civil.interieur.localhost';
const SECRET = 'a-storage-secret-of-the-national-platform-0123456789';
let pods: RuntimeEntrypointPods;
let double: KubernetesApiDouble;
let controlPlane: RunningControlPlane;
let gateway: RunningGateway;
let storage: ChildProcess | undefined;
let storageOutput = '';
let storagePort = 0;
let relayPort = 0;
let dataDir = '';
let token = '';
let platform: KubernetesPlatform | undefined;

/** The storage pod: the runtime entrypoint in `storage` mode, on a volume under dataDir. */
async function startStorage(): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRYPOINT, 'storage'], {
    env: {
      PATH: process.env.PATH ?? '',
      GOV_STORAGE_LISTEN: `127.0.0.1:${storagePort}`,
      GOV_STORAGE_DATA_DIR: path.join(dataDir, 'storage-volume'),
      GOV_STORAGE_KEY_FILE: path.join(dataDir, 'storage-key'),
      GOV_WORK_DIR: path.join(dataDir, 'storage-work'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    storageOutput += chunk;
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    storageOutput += chunk;
  });
  storage = child;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && child.exitCode === null) {
    const up = await fetch(`http://127.0.0.1:${storagePort}/`).then(
      () => true,
      () => false,
    );
    if (up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the storage service did not start:\n${storageOutput}`);
}

async function stopStorage(): Promise<void> {
  const child = storage;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

beforeAll(async () => {
  pods = runtimeEntrypointPods();
  double = await startKubernetesApiDouble({ podReadyDelayMs: 10, podRunner: pods.runner });
  dataDir = await mkdtemp(path.join(tmpdir(), 'gov-k8s-storage-'));
  await writeFile(path.join(dataDir, 'storage-key'), `${SECRET}\n`);
  storagePort = await pickFreePort();
  await startStorage();
  relayPort = await pickFreePort();
  platform = await startKubernetesPlatform({
    double,
    dataDir,
    gateway: true,
    env: {
      GOV_STORAGE_URL: `http://127.0.0.1:${storagePort}`,
      GOV_STORAGE_KEY: SECRET,
      // The gateway's relay for service bindings, on loopback here (its Service on a cluster).
      GOV_SERVICE_RELAY_URL: `http://127.0.0.1:${relayPort}`,
      GOV_SERVICE_RELAY_PORT: String(relayPort),
    },
  });
  ({ controlPlane, token } = platform);
  gateway = platform.gateway as RunningGateway;
}, 60_000);

afterEach((context) => {
  if (context.task.result?.state === 'fail') {
    console.log(`pod output:\n${pods.output()}\nstorage output:\n${storageOutput}`);
  }
});

afterAll(async () => {
  await platform?.stop();
  await double?.close();
  await pods?.stopAll();
  await stopStorage();
  await rm(dataDir, { recursive: true, force: true });
});

const call = apiCaller(
  () => controlPlane.apiUrl,
  () => token,
);
const settled = (version: number) => settledVersion(call, 'interieur', 'etat-civil', version);

/** A civil-status registry: the request in D1, a receipt in KV, the scanned form in R2. */
const registry = `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (request.method === 'POST') {
      const id = url.searchParams.get('id');
      await env.DB.prepare('INSERT INTO demandes (id, nom) VALUES (?, ?)').bind(id, 'Awa Traoré').run();
      await env.RECUS.put(id, 'Demande enregistrée');
      await env.PIECES.put(id + '.pdf', 'formulaire scanné');
      console.log('demande enregistrée', id);
      return new Response('ok', { status: 201 });
    }
    const id = url.searchParams.get('id');
    const row = await env.DB.prepare('SELECT nom FROM demandes WHERE id = ?').bind(id).first();
    const recu = await env.RECUS.get(id);
    const piece = await env.PIECES.get(id + '.pdf');
    return new Response([row?.nom, recu, piece ? await piece.text() : null].join(' | '));
  },
  // The nightly purge of abandoned requests, as a cron trigger.
  async scheduled(controller, env) {
    await env.RECUS.put('derniere-purge', controller.cron);
  },
};`;
/** Calendar-bound (07:30 on 4 December): the real scheduler never fires it during the test. */
const CRON = '30 7 4 12 *';

const citizen = (method: string, query: string) =>
  fetchVia(gateway.port, HOST, `/?${query}`, { method });

describe('storage bindings on Kubernetes (API server double, real pods and storage service)', () => {
  it('gives a deployed app its KV, D1 and R2 data in the storage service, through the gateway', async () => {
    await call('POST', '/v1/ministries', { name: 'interieur', displayName: 'Intérieur' });
    await call('POST', '/v1/ministries/interieur/apps', { name: 'etat-civil' });
    // gov d1 execute: the control plane runs the schema in the storage service.
    const schema = await call('POST', '/v1/ministries/interieur/apps/etat-civil/d1/DB/execute', {
      sql: 'CREATE TABLE demandes (id TEXT PRIMARY KEY, nom TEXT)',
    });
    expect(schema.status).toBe(200);
    const created = await call(
      'POST',
      '/v1/ministries/interieur/apps/etat-civil/deployments',
      bundleOf(registry, {
        bindings: [
          { kind: 'kv', name: 'RECUS' },
          { kind: 'd1', name: 'DB' },
          { kind: 'r2', name: 'PIECES' },
        ],
        triggers: { crons: [CRON] },
      }),
    );
    expect(created.status).toBe(202);
    const v1 = await settled(created.json.version);
    expect(v1).toMatchObject({ status: 'ready', live: true });
    await expect
      .poll(async () => (await fetchVia(gateway.port, HOST, '/?id=0')).status, { timeout: 10_000 })
      .toBe(200);

    expect(await citizen('POST', 'id=ML-2026-001')).toMatchObject({ status: 201 });
    expect((await citizen('GET', 'id=ML-2026-001')).body).toBe(
      'Awa Traoré | Demande enregistrée | formulaire scanné',
    );
    // What the storage service holds counts against the ministry's quota.
    const quota = await call('GET', '/v1/ministries/interieur/quota');
    expect(quota.json.usage.kvBytes).toBeGreaterThan(0);
    const rows = await call('POST', '/v1/ministries/interieur/apps/etat-civil/d1/DB/execute', {
      sql: 'SELECT id FROM demandes',
      mode: 'query',
    });
    expect(rows.json.rows).toEqual([['ML-2026-001']]);
  });

  it('hands the pod a capability for its own app only, and lets it reach the storage pods only', async () => {
    const app = (await call('GET', '/v1/ministries/interieur/apps/etat-civil')).json;
    const kc = kubeConfigFor(double);
    const secret = await kc
      .makeApiClient(CoreV1Api)
      .readNamespacedSecret({ name: 'etat-civil-v1-token', namespace: 'gov-interieur' });
    const capability = Buffer.from(secret.data?.storage ?? '', 'base64').toString('utf8');
    const ministryId = app.ministryId ?? secret.metadata?.labels?.['gov.ml/ministry-id'];
    expect(capability).toBe(
      storageCapability(storageKeysFrom(SECRET).capabilityKey, ministryId, app.id),
    );
    const policy = await kc.makeApiClient(NetworkingV1Api).readNamespacedNetworkPolicy({
      name: 'gov-allow-platform-egress',
      namespace: 'gov-interieur',
    });
    expect(policy.spec?.egress).toContainEqual({
      to: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gov-system' } },
          podSelector: {
            matchLabels: {
              'app.kubernetes.io/component': 'storage',
              'app.kubernetes.io/part-of': 'gov-platform',
            },
          },
        },
      ],
      ports: [{ protocol: 'TCP', port: storagePort }],
    });
  });

  it('delivers a cron trigger’s scheduled event to a pod, which the control plane alone may reach', async () => {
    const run = await call('POST', '/v1/ministries/interieur/apps/etat-civil/crons/run', {
      cron: CRON,
    });
    expect(run.status).toBe(200);
    expect(run.json).toMatchObject({ outcome: 'ok' });
    expect((await citizen('GET', 'id=derniere-purge')).body).toContain(CRON);
    const kc = kubeConfigFor(double);
    const policy = await kc.makeApiClient(NetworkingV1Api).readNamespacedNetworkPolicy({
      name: 'gov-allow-scheduler',
      namespace: 'gov-interieur',
    });
    // The client names `from` `_from` (a reserved word in its generator).
    expect(policy.spec?.ingress).toEqual([
      {
        _from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gov-system' } },
            podSelector: {
              matchLabels: {
                'app.kubernetes.io/component': 'control-plane',
                'app.kubernetes.io/part-of': 'gov-platform',
              },
            },
          },
        ],
        ports: [{ protocol: 'TCP', port: 8082 }],
      },
    ]);
  });

  it('keeps the app’s output and the requests it served in its logs (gov logs)', async () => {
    const lines = async () =>
      (await call('GET', '/v1/ministries/interieur/apps/etat-civil/logs')).json.logs as Array<{
        id: string;
        kind: string;
        message: string;
      }>;
    // Collected from the pods by the control plane, and sent by the gateway.
    await expect
      .poll(async () => (await lines()).map((l) => `${l.kind}: ${l.message}`), { timeout: 15_000 })
      .toEqual(
        expect.arrayContaining([
          'console: demande enregistrée ML-2026-001',
          expect.stringMatching(/^request: POST \/ 201 \d+ ms$/),
        ]),
      );
    const logs = await lines();
    expect(logs.find((l) => l.kind === 'platform')?.message).toMatch(/^gov-runtime: starting/);
    // A follow from the newest line gets nothing new until the app writes again.
    const newest = logs[logs.length - 1]?.id ?? '';
    const after = await call(
      'GET',
      `/v1/ministries/interieur/apps/etat-civil/logs?after=${encodeURIComponent(newest)}`,
    );
    expect(after.json.logs).toEqual([]);
  });

  it('lets another app of the ministry call it through a service binding, via the gateway’s relay', async () => {
    await call('POST', '/v1/ministries/interieur/apps', { name: 'guichet' });
    const guichet = `export default {
      async fetch(request, env) {
        const answer = await env.ETAT_CIVIL.fetch('http://etat-civil/?id=ML-2026-001');
        return new Response('guichet: ' + (await answer.text()));
      },
    };`;
    const created = await call(
      'POST',
      '/v1/ministries/interieur/apps/guichet/deployments',
      bundleOf(guichet, { services: [{ name: 'ETAT_CIVIL', app: 'etat-civil' }] }),
    );
    expect(created.status).toBe(202);
    expect(await settledVersion(call, 'interieur', 'guichet', created.json.version)).toMatchObject({
      status: 'ready',
      live: true,
    });
    await expect
      .poll(async () => (await fetchVia(gateway.port, 'guichet.interieur.localhost', '/')).body, {
        timeout: 10_000,
      })
      .toBe('guichet: Awa Traoré | Demande enregistrée | formulaire scanné');
    // The capability is in the version's Secret, never in its pod spec.
    const kc = kubeConfigFor(double);
    const { AppsV1Api } = await import('@kubernetes/client-node');
    const deployment = await kc
      .makeApiClient(AppsV1Api)
      .readNamespacedDeployment({ name: 'guichet-v1', namespace: 'gov-interieur' });
    expect(JSON.stringify(deployment)).not.toContain('x-gov-capability');
    // Without the capability the relay answers nobody.
    const forged = await fetch(`http://127.0.0.1:${relayPort}/`, {
      headers: {
        'x-gov-ministry': 'interieur',
        'x-gov-app': 'app_x',
        'x-gov-service': 'etat-civil',
      },
    });
    expect(forged.status).toBe(403);
  });

  it('keeps an app’s Durable Objects on its volume across versions, one pod holding them at a time', async () => {
    await call('POST', '/v1/ministries/interieur/apps', { name: 'file-attente' });
    const counter = (label: string) => `import { DurableObject } from 'cloudflare:workers';
export class Guichet extends DurableObject {
  async fetch() {
    const n = (this.ctx.storage.sql.exec('SELECT count(*) AS n FROM tickets').one()?.n ?? 0) + 1;
    this.ctx.storage.sql.exec('INSERT INTO tickets VALUES (?)', n);
    return new Response('${label} ticket ' + n);
  }
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS tickets (n INTEGER)');
  }
}
export default {
  fetch(request, env) {
    return env.GUICHET.get(env.GUICHET.idFromName('bamako')).fetch(request);
  },
};`;
    const deployVersion = async (label: string) => {
      const created = await call(
        'POST',
        '/v1/ministries/interieur/apps/file-attente/deployments',
        bundleOf(counter(label), {
          durableObjects: [{ name: 'GUICHET', className: 'Guichet', sql: true }],
        }),
      );
      expect(created.status).toBe(202);
      const settledAs = await settledVersion(
        call,
        'interieur',
        'file-attente',
        created.json.version,
      );
      expect(settledAs, `file-attente ${label}`).toMatchObject({ status: 'ready', live: true });
    };
    const ticket = () => fetchVia(gateway.port, 'file-attente.interieur.localhost', '/');
    await deployVersion('v1');
    await expect
      .poll(async () => (await ticket()).body, { timeout: 10_000 })
      .toMatch(/^v1 ticket /);
    expect((await ticket()).body).toBe('v1 ticket 2');

    await deployVersion('v2');
    // The same objects, in v2's pod: the count goes on.
    await expect
      .poll(async () => (await ticket()).body, { timeout: 15_000 })
      .toMatch(/^v2 ticket /);
    const next = Number((await ticket()).body.split(' ').pop());
    expect(next).toBeGreaterThanOrEqual(3);
    // v2's pod started only once v1's had exited: never two workerd on one volume.
    const lines = pods.output().split('\n');
    const v1Exited = lines.findIndex((l) => /^\[file-attente-v1-[^\]]+\] exited:/.test(l));
    const v2Started = lines.findIndex((l) => /^\[file-attente-v2-[^\]]+\] started at/.test(l));
    expect(v1Exited).toBeGreaterThan(-1);
    expect(v2Started).toBeGreaterThan(v1Exited);
    // A new version that cannot start gives the objects back: v2 serves again, its count intact.
    const broken = await call(
      'POST',
      '/v1/ministries/interieur/apps/file-attente/deployments',
      bundleOf(`${counter('v3')}\nthrow new Error('configuration manquante');`, {
        durableObjects: [{ name: 'GUICHET', className: 'Guichet', sql: true }],
      }),
    );
    expect(
      (await settledVersion(call, 'interieur', 'file-attente', broken.json.version)).status,
    ).toBe('failed');
    await expect
      .poll(async () => (await ticket()).body, { timeout: 20_000 })
      .toMatch(/^v2 ticket /);
    expect(Number((await ticket()).body.split(' ').pop())).toBeGreaterThan(next);
    const claims = await kubeConfigFor(double)
      .makeApiClient(CoreV1Api)
      .listNamespacedPersistentVolumeClaim({ namespace: 'gov-interieur' });
    expect(claims.items.map((c) => c.metadata?.name)).toEqual(['gov-objects-file-attente']);
  });

  it('keeps the data when the storage pod is replaced', async () => {
    await stopStorage();
    await startStorage();
    expect((await citizen('GET', 'id=ML-2026-001')).body).toBe(
      'Awa Traoré | Demande enregistrée | formulaire scanné',
    );
  });
});
