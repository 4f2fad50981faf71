import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
// Test-only helpers from the platform package: the same artifact server and
// port picker the driver tests use, so artifacts are canonicalised alike.
import { pickFreePort } from '../../../platform/src/net/free-port.ts';
import { startArtifactServer } from '../../../platform/src/testing/artifact-server.ts';
import { runScheduled } from '../scheduled/run-scheduled.ts';
import { storageCapability, storageKeysFrom } from '../storage/storage-keys.ts';

const MAIN = fileURLToPath(new URL('./main.ts', import.meta.url));

const app = `export default {
  fetch(request, env) { return new Response(env.GREETING + (env.API_KEY === 's3cret' ? ' +secret' : '')); },
};`;

let server: Awaited<ReturnType<typeof startArtifactServer>>;
let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  server = await startArtifactServer();
  dir = await mkdtemp(path.join(os.tmpdir(), 'gov-entrypoint-'));
  await writeFile(path.join(dir, 'token'), 'test-artifact-capability\n');
  await writeFile(path.join(dir, 'vars.json'), JSON.stringify({ GREETING: 'bonjour' }));
  await mkdir(path.join(dir, 'secrets'));
  await writeFile(path.join(dir, 'secrets', 'API_KEY'), 's3cret');
});
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});
afterAll(async () => {
  await server?.close();
  await rm(dir, { recursive: true, force: true });
});

/** Runs the entrypoint from source, as the image runs its bundle. */
function entrypoint(env: Record<string, string>, args: string[] = []) {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk;
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

async function settingsFor(ref: { url: string; sha256: string }) {
  const port = await pickFreePort();
  const livenessPort = await pickFreePort();
  return {
    port,
    livenessPort,
    env: {
      GOV_ARTIFACT_URL: ref.url,
      GOV_ARTIFACT_SHA256: ref.sha256,
      GOV_ARTIFACT_TOKEN_FILE: path.join(dir, 'token'),
      GOV_COMPATIBILITY_DATE: '2026-04-01',
      GOV_VARS_FILE: path.join(dir, 'vars.json'),
      GOV_SECRETS_DIR: path.join(dir, 'secrets'),
      GOV_MEMORY_MIB: '64',
      GOV_LISTEN: `127.0.0.1:${port}`,
      GOV_LIVENESS_LISTEN: `127.0.0.1:${livenessPort}`,
      GOV_WORK_DIR: path.join(dir, `work-${port}`),
    },
  };
}

async function answer(url: string, exited: Promise<unknown>, timeoutMs = 20_000) {
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const deadline = Date.now() + timeoutMs;
  while (!gone && Date.now() < deadline) {
    try {
      return await fetch(url);
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`${url} never answered`);
}

describe('container entrypoint (from source, no container)', () => {
  it('serves the verified app with its vars and secrets, and stops on SIGTERM', async () => {
    const ref = server.put(app);
    const { port, livenessPort, env } = await settingsFor(ref);
    const run = entrypoint(env);
    const res = await answer(`http://127.0.0.1:${port}/`, run.exited);
    expect(await res.text()).toBe('bonjour +secret');
    expect((await fetch(`http://127.0.0.1:${livenessPort}/`)).status).toBe(204);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
  });

  it('refuses a tampered artifact in one line and never listens', async () => {
    const ref = server.put('export default { fetch() { return new Response("good"); } };');
    server.tamper(ref.sha256, 'export default { fetch() { return new Response("evil"); } };');
    const { env } = await settingsFor(ref);
    const run = entrypoint(env);
    expect(await run.exited).toBe(65);
    const { stdout, stderr } = run.output();
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^gov-runtime: artifact [0-9a-f]{64} does not match its digest .*\n$/);
  });

  it('exits 78 naming the variables a misconfigured pod lacks', async () => {
    const run = entrypoint({ GOV_MEMORY_MIB: '64' });
    expect(await run.exited).toBe(78);
    expect(run.output().stderr).toMatch(
      /^gov-runtime: invalid settings: GOV_ARTIFACT_URL is required .*GOV_ARTIFACT_SHA256 is required/,
    );
  });
});

/** Keeps a note in KV and counts requests in D1: what a Workers app with storage does. */
const registry = `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (request.method === 'PUT') {
      await env.NOTES.put(url.pathname.slice(1), await request.text());
      await env.DB.exec('CREATE TABLE IF NOT EXISTS puts (k TEXT)');
      await env.DB.prepare('INSERT INTO puts VALUES (?)').bind(url.pathname).run();
      return new Response('ok');
    }
    try {
      const note = await env.NOTES.get(url.pathname.slice(1));
      const row = await env.DB.prepare('SELECT count(*) AS n FROM puts').first();
      return new Response(note + ' ' + row.n);
    } catch (error) {
      return new Response(String(error.message), { status: 500 });
    }
  },
};`;

describe('storage bindings through the storage service mode (from source, no container)', () => {
  it('keeps an app’s KV and D1 data across a restart of the storage service, for its capability only', async () => {
    const secret = 'the-storage-secret-shared-with-the-control-plane';
    await writeFile(path.join(dir, 'storage-key'), `${secret}\n`);
    const storagePort = await pickFreePort();
    const storageEnv = {
      GOV_STORAGE_LISTEN: `127.0.0.1:${storagePort}`,
      GOV_STORAGE_DATA_DIR: path.join(dir, 'storage-data'),
      GOV_STORAGE_KEY_FILE: path.join(dir, 'storage-key'),
      GOV_WORK_DIR: path.join(dir, 'storage-work'),
    };
    const { capabilityKey } = storageKeysFrom(secret);
    await writeFile(
      path.join(dir, 'capability'),
      storageCapability(capabilityKey, 'min_sante', 'app_registre'),
    );
    await writeFile(
      path.join(dir, 'forged'),
      storageCapability(capabilityKey, 'min_sante', 'app_autre'),
    );
    const appWith = async (capabilityFile: string) => {
      const ref = server.put(registry);
      const settings = await settingsFor(ref);
      const run = entrypoint({
        ...settings.env,
        GOV_BINDINGS: JSON.stringify([
          { kind: 'kv', name: 'NOTES' },
          { kind: 'd1', name: 'DB' },
        ]),
        GOV_STORAGE_ADDRESS: `127.0.0.1:${storagePort}`,
        GOV_STORAGE_CAPABILITY_FILE: path.join(dir, capabilityFile),
        GOV_APP_ID: 'app_registre',
        GOV_MINISTRY_ID: 'min_sante',
      });
      await answer(`http://127.0.0.1:${settings.livenessPort}/`, run.exited);
      return { url: `http://127.0.0.1:${settings.port}`, run };
    };

    let storage = entrypoint(storageEnv, ['storage']);
    const app = await appWith('capability');
    await answer(`http://127.0.0.1:${storagePort}/`, storage.exited);
    expect(storage.output().stdout).toMatch(/starting the storage service on 127\.0\.0\.1:/);
    const put = await fetch(`${app.url}/demande-42`, { method: 'PUT', body: 'reçue' });
    expect(await put.text()).toBe('ok');
    expect(await (await fetch(`${app.url}/demande-42`)).text()).toBe('reçue 1');

    // The storage pod is replaced: the data is on its volume, not in the process.
    storage.child.kill('SIGTERM');
    await storage.exited;
    storage = entrypoint(storageEnv, ['storage']);
    await answer(`http://127.0.0.1:${storagePort}/`, storage.exited);
    expect(await (await fetch(`${app.url}/demande-42`)).text()).toBe('reçue 1');

    // Another app's capability under this app's id is refused: nothing is read.
    const impostor = await appWith('forged');
    const refused = await fetch(`${impostor.url}/demande-42`);
    expect(refused.status).toBe(500);
    expect(await refused.text()).toMatch(/401|403/);
  });

  it('refuses an unknown mode and a storage service without its key, in one line', async () => {
    const unknown = entrypoint({}, ['stockage']);
    expect(await unknown.exited).toBe(78);
    expect(unknown.output().stderr).toMatch(/^gov-runtime: unknown mode "stockage"/);
    const keyless = entrypoint({}, ['storage']);
    expect(await keyless.exited).toBe(78);
    expect(keyless.output().stderr).toMatch(/GOV_STORAGE_KEY_FILE is required/);
  });
});

describe('cron triggers through the scheduled socket (from source, no container)', () => {
  it('runs the app’s scheduled handler for the bearer of the token only', async () => {
    const ref = server.put(`let runs = 0;
export default {
  fetch() { return new Response('runs: ' + runs); },
  scheduled(controller) { runs += 1; },
};`);
    const settings = await settingsFor(ref);
    const scheduledPort = await pickFreePort();
    await writeFile(path.join(dir, 'scheduled-token'), 'token-of-this-version\n');
    const run = entrypoint({
      ...settings.env,
      GOV_SCHEDULED_LISTEN: `127.0.0.1:${scheduledPort}`,
      GOV_SCHEDULED_TOKEN_FILE: path.join(dir, 'scheduled-token'),
    });
    await answer(`http://127.0.0.1:${settings.port}/`, run.exited);
    const event = { cron: '30 7 4 12 *', scheduledTime: Date.now() };
    const target = { port: scheduledPort };
    expect(await runScheduled({ ...target, token: 'token-of-this-version' }, event)).toMatchObject({
      outcome: 'ok',
    });
    // Without the token (another pod of the cluster, say), nothing runs.
    expect(await runScheduled(target, event)).toMatchObject({
      outcome: 'exception',
      message: 'the instance answered HTTP 401',
    });
    expect(await runScheduled({ ...target, token: 'another' }, event)).toMatchObject({
      outcome: 'exception',
    });
    expect(await (await fetch(`http://127.0.0.1:${settings.port}/`)).text()).toBe('runs: 1');
  });
});
