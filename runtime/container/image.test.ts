import { execFileSync } from 'node:child_process';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// Test-only helpers from the platform package: the same artifact server and
// port picker the driver tests use, so artifacts are canonicalised alike.
import { pickFreePort } from '../../platform/src/net/free-port.ts';
import { startArtifactServer } from '../../platform/src/testing/artifact-server.ts';
import { storageCapability, storageKeysFrom } from '../src/storage/storage-keys.ts';
import { buildImage, IMAGE_UID } from './build.ts';
import { podman, podmanVersion } from './podman.ts';

/**
 * What a pod gets (restricted Pod Security Standard plus limits), as podman
 * flags. The host network stands in for the pod network: these machines
 * have no CNI, and the ports are loopback-only.
 */
const RESTRICTED = [
  '--read-only',
  '--cap-drop',
  'all',
  '--user',
  `${IMAGE_UID}:${IMAGE_UID}`,
  '--memory',
  '128m',
  '--cpus',
  '0.5',
  '--pids-limit',
  '64',
  '--network',
  'host',
  '--security-opt',
  'no-new-privileges',
  // The pod's emptyDir for GOV_WORK_DIR: the only writable place.
  '--tmpfs',
  '/tmp/gov:rw,size=64m,mode=1777',
];

const version = podmanVersion();
if (!version) {
  console.warn(
    'runtime/container/image.test.ts skipped: podman is not installed (CI installs it; see shared/notes/containers-here.md)',
  );
}

const greeter = `export default {
  fetch(request, env) { return new Response(env.GREETING + (env.API_KEY === 's3cret' ? ' +secret' : '')); },
};`;

/**
 * Holds on to off-heap buffers until the container's memory is gone: the V8
 * heap limit (GOV_MEMORY_MIB) does not cover ArrayBuffers, so only the
 * kernel's cgroup limit can stop this.
 */
const memoryBomb = `const kept = [];
export default {
  fetch(request) {
    if (new URL(request.url).pathname === '/bomb') {
      for (;;) { const chunk = new Uint8Array(8 << 20); chunk.fill(1); kept.push(chunk); }
    }
    return new Response('alive');
  },
};`;

/** The kernel's ring buffer (podman here needs root, and so may read it). */
function kernelLog(): string {
  return execFileSync('dmesg', { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

describe.skipIf(!version)('runtime image under a pod’s restrictions', () => {
  let image: string;
  let builtHere = false;
  let server: Awaited<ReturnType<typeof startArtifactServer>>;
  let mounts: string;
  const containers: string[] = [];

  beforeAll(async () => {
    server = await startArtifactServer();
    // What the driver mounts: the capability from a Secret, vars from a
    // ConfigMap, secrets from a Secret. Readable by the image's user only
    // through the world-read bits, as a Secret's defaultMode 0444 gives.
    mounts = await mkdtemp(path.join(os.tmpdir(), 'gov-image-test-'));
    await chmod(mounts, 0o755);
    await writeFile(path.join(mounts, 'token'), 'test-artifact-capability\n', { mode: 0o444 });
    await writeFile(path.join(mounts, 'vars.json'), JSON.stringify({ GREETING: 'bonjour' }), {
      mode: 0o444,
    });
    await mkdir(path.join(mounts, 'secrets'), { mode: 0o755 });
    await writeFile(path.join(mounts, 'secrets', 'API_KEY'), 's3cret', { mode: 0o444 });
    // Named by content digest: an unchanged image is reused, not rebuilt.
    const built = await buildImage({ contextDir: path.join(mounts, 'context'), quiet: true });
    image = built.tag;
    builtHere = built.built;
  }, 300_000);

  afterAll(async () => {
    for (const name of containers) await podman(['rm', '--force', '--time', '0', name]);
    if (builtHere) await podman(['rmi', '--force', image]);
    await server?.close();
    if (mounts) await rm(mounts, { recursive: true, force: true });
  }, 60_000);

  async function container(
    name: string,
    ref: { url: string; sha256: string },
    options: {
      detach?: boolean;
      restart?: boolean;
      env?: Record<string, string>;
      volumes?: string[];
    } = {},
  ) {
    const port = await pickFreePort();
    const livenessPort = await pickFreePort();
    const unique = `gov-image-test-${name}-${process.pid}`;
    containers.push(unique);
    const env = {
      GOV_ARTIFACT_URL: ref.url,
      GOV_ARTIFACT_SHA256: ref.sha256,
      GOV_ARTIFACT_TOKEN_FILE: '/var/run/gov/token',
      GOV_COMPATIBILITY_DATE: '2026-04-01',
      GOV_VARS_FILE: '/etc/gov/vars.json',
      GOV_SECRETS_DIR: '/var/run/gov/secrets',
      GOV_MEMORY_MIB: '64',
      GOV_LISTEN: `127.0.0.1:${port}`,
      GOV_LIVENESS_LISTEN: `127.0.0.1:${livenessPort}`,
      ...options.env,
    };
    const result = await podman([
      'run',
      ...(options.detach ? ['--detach'] : []),
      '--name',
      unique,
      ...RESTRICTED,
      ...(options.restart ? ['--restart', 'on-failure'] : []),
      '--volume',
      `${path.join(mounts, 'token')}:/var/run/gov/token:ro`,
      '--volume',
      `${path.join(mounts, 'vars.json')}:/etc/gov/vars.json:ro`,
      '--volume',
      `${path.join(mounts, 'secrets')}:/var/run/gov/secrets:ro`,
      ...(options.volumes ?? []).flatMap((volume) => ['--volume', volume]),
      ...Object.entries(env).flatMap(([key, value]) => ['--env', `${key}=${value}`]),
      image,
    ]);
    return { name: unique, port, livenessPort, result };
  }

  async function inspect(name: string, format: string): Promise<string> {
    return (await podman(['inspect', '--format', format, name], { check: true })).stdout.trim();
  }

  /** First answer of the container's app; fails fast if the container stops. */
  async function answer(name: string, url: string, timeoutMs = 60_000): Promise<Response> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        return await fetch(url, { signal: AbortSignal.timeout(5_000) });
      } catch {
        const status = await inspect(name, '{{.State.Status}}');
        if (status === 'exited' && (await inspect(name, '{{.RestartCount}}')) === '0') {
          const logs = await podman(['logs', name]);
          throw new Error(`${name} exited before answering: ${logs.stdout}${logs.stderr}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
    throw new Error(`${url} never answered`);
  }

  it('serves an app as the non-root user, with its vars, secrets and liveness worker', async () => {
    const { name, port, livenessPort, result } = await container('serves', server.put(greeter), {
      detach: true,
    });
    expect(result.code, result.stderr).toBe(0);
    const res = await answer(name, `http://127.0.0.1:${port}/`);
    expect(await res.text()).toBe('bonjour +secret');
    expect((await fetch(`http://127.0.0.1:${livenessPort}/`)).status).toBe(204);
    const top = await podman(['top', name, 'user', 'args'], { check: true });
    expect(top.stdout).toMatch(/workerd serve/);
    expect(top.stdout).not.toMatch(/^root\s/m);
  });

  it('serves static assets in front of the app, from the artifact, on a read-only root', async () => {
    const page = '<h1>Démarches en ligne</h1>';
    const ref = server.put('export default { fetch() { return new Response("code"); } };', {
      files: [{ path: '/index.html', contentBase64: Buffer.from(page).toString('base64') }],
      htmlHandling: 'auto-trailing-slash',
      notFoundHandling: 'none',
      runWorkerFirst: false,
      headers: [{ pattern: '/*', set: { 'X-Frame-Options': 'DENY' }, unset: [] }],
      redirects: [],
    });
    const { name, port, result } = await container('assets', ref, { detach: true });
    expect(result.code, result.stderr).toBe(0);
    const home = await answer(name, `http://127.0.0.1:${port}/`);
    expect(await home.text()).toBe(page);
    expect(home.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(home.headers.get('x-frame-options')).toBe('DENY');
    expect(await (await fetch(`http://127.0.0.1:${port}/autre`)).text()).toBe('code');
  });

  it('refuses a tampered artifact: exits non-zero with one clear line, never serves', async () => {
    const ref = server.put('export default { fetch() { return new Response("good"); } };');
    server.tamper(ref.sha256, 'export default { fetch() { return new Response("evil"); } };');
    const { port, result } = await container('tampered', ref);
    expect(result.code).toBe(65); // EX_DATAERR: restarting cannot help
    expect(result.stderr.trim()).toMatch(
      /^gov-runtime: artifact [0-9a-f]{64} does not match its digest \(got [0-9a-f]{64}\): refusing to run it$/,
    );
    expect(result.stdout).not.toContain('starting');
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });

  it('a memory bomb is killed by the kernel’s cgroup limit and the container restarts', async () => {
    const { name, port, result } = await container('bomb', server.put(memoryBomb), {
      detach: true,
      restart: true,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(await (await answer(name, `http://127.0.0.1:${port}/`)).text()).toBe('alive');

    await expect(
      fetch(`http://127.0.0.1:${port}/bomb`, { signal: AbortSignal.timeout(30_000) }),
    ).rejects.toThrow();

    // podman restarts it (on-failure, as the kubelet would), and it serves again.
    const deadline = Date.now() + 60_000;
    while ((await inspect(name, '{{.RestartCount}}')) === '0' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(await (await answer(name, `http://127.0.0.1:${port}/`)).text()).toBe('alive');

    // The kernel did it: its log names this container's memory cgroup as the
    // one over its limit and workerd as the process it killed. (podman's
    // OOMKilled flag stays false with conmon on cgroup v1, and whether Node
    // execs workerd or supervises it depends on the Node version: this holds
    // for both.)
    const id = await inspect(name, '{{.Id}}');
    const kill = kernelLog()
      .split('\n')
      .find((line) => line.includes('oom-kill:') && line.includes(id));
    expect(kill, 'no OOM kill of this container in the kernel log').toMatch(
      new RegExp(`oom_memcg=[^,]*${id}.*,task=workerd,`),
    );
    const events = await podman(
      [
        'events',
        '--stream=false',
        '--since',
        '10m',
        '--filter',
        `container=${name}`,
        '--filter',
        'event=died',
        '--format',
        '{{.ContainerExitCode}}',
      ],
      { check: true },
    );
    expect(events.stdout.trim().split('\n')).toContain('137');
  });

  it('keeps an app’s KV and D1 data in the storage service’s container, across its restart', async () => {
    // The storage StatefulSet's pod: the same image with `storage`, its data
    // on a volume (a PersistentVolumeClaim on a cluster) owned by the image's user.
    const secret = 'the-storage-secret-shared-with-the-control-plane';
    await writeFile(path.join(mounts, 'storage-key'), secret, { mode: 0o444 });
    const volume = path.join(mounts, 'storage-volume');
    await mkdir(volume, { mode: 0o700 });
    await chown(volume, IMAGE_UID, IMAGE_UID);
    const storagePort = await pickFreePort();
    const storageName = `gov-image-test-storage-${process.pid}`;
    containers.push(storageName);
    const startStorage = () =>
      podman(
        [
          'run',
          '--detach',
          '--replace',
          '--name',
          storageName,
          ...RESTRICTED,
          '--volume',
          `${volume}:/var/lib/gov-storage`,
          '--volume',
          `${path.join(mounts, 'storage-key')}:/var/run/gov/storage-key:ro`,
          '--env',
          `GOV_STORAGE_LISTEN=127.0.0.1:${storagePort}`,
          '--env',
          'GOV_STORAGE_KEY_FILE=/var/run/gov/storage-key',
          image,
          'storage',
        ],
        { check: true },
      );
    await startStorage();
    await answer(storageName, `http://127.0.0.1:${storagePort}/`);

    await writeFile(
      path.join(mounts, 'storage-capability'),
      storageCapability(storageKeysFrom(secret).capabilityKey, 'min_interieur', 'app_etatcivil'),
      { mode: 0o444 },
    );
    const registry = `export default {
      async fetch(request, env) {
        if (request.method === 'POST') {
          await env.RECUS.put('ML-1', 'Demande enregistrée');
          await env.DB.exec('CREATE TABLE IF NOT EXISTS demandes (id TEXT)');
          await env.DB.prepare('INSERT INTO demandes VALUES (?)').bind('ML-1').run();
          return new Response('ok');
        }
        const row = await env.DB.prepare('SELECT count(*) AS n FROM demandes').first();
        return new Response((await env.RECUS.get('ML-1')) + ' ' + row.n);
      },
    };`;
    const { name, port, result } = await container('storage-app', server.put(registry), {
      detach: true,
      env: {
        GOV_BINDINGS: JSON.stringify([
          { kind: 'kv', name: 'RECUS' },
          { kind: 'd1', name: 'DB' },
        ]),
        GOV_STORAGE_ADDRESS: `127.0.0.1:${storagePort}`,
        GOV_STORAGE_CAPABILITY_FILE: '/var/run/gov/storage-capability',
        GOV_APP_ID: 'app_etatcivil',
        GOV_MINISTRY_ID: 'min_interieur',
      },
      volumes: [`${path.join(mounts, 'storage-capability')}:/var/run/gov/storage-capability:ro`],
    });
    expect(result.code, result.stderr).toBe(0);
    await answer(name, `http://127.0.0.1:${port}/`);
    expect(await (await fetch(`http://127.0.0.1:${port}/`, { method: 'POST' })).text()).toBe('ok');
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('Demande enregistrée 1');

    // The storage pod is replaced; the app's data is on the volume.
    await podman(['rm', '--force', '--time', '10', storageName], { check: true });
    await startStorage();
    await answer(storageName, `http://127.0.0.1:${storagePort}/`);
    expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('Demande enregistrée 1');
  });
});
