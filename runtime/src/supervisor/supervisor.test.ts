import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerSpec } from '../workerd/config.ts';
import { denyAllEgress } from '../workerd/egress.ts';
import { type SupervisorEvent, WorkerSupervisor } from './supervisor.ts';

let root: string;
const running: WorkerSupervisor[] = [];

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gov-runtime-'));
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function spec(source: string, vars: Record<string, string> = {}, memoryMib = 128): WorkerSpec {
  return {
    id: 'dep_test',
    mainModule: 'index.js',
    modules: [{ name: 'index.js', type: 'esModule', content: new TextEncoder().encode(source) }],
    compatibilityDate: '2026-04-01',
    compatibilityFlags: [],
    vars,
    egress: denyAllEgress,
    memoryMib,
  };
}

async function supervise(
  source: string,
  vars?: Record<string, string>,
  events?: SupervisorEvent[],
  startTimeoutMs = 15_000,
) {
  const supervisor = new WorkerSupervisor({
    spec: spec(source, vars),
    workDir: await mkdtemp(path.join(root, 'v-')),
    initialBackoffMs: 50,
    startTimeoutMs,
    onEvent: (e) => events?.push(e),
  });
  running.push(supervisor);
  return supervisor;
}

async function get(port: number, pathname = '/') {
  const res = await fetch(`http://127.0.0.1:${port}${pathname}`);
  return { status: res.status, body: await res.text() };
}

describe('WorkerSupervisor', () => {
  it('runs an app version with its vars bound and answers requests', async () => {
    const s = await supervise(
      `export default { fetch(req, env) { return new Response('Bonjour ' + env.VILLE); } };`,
      { VILLE: 'Bamako "centre"\nligne 2' },
    );
    const port = await s.start();
    expect(s.state).toBe('ready');
    expect(await get(port)).toEqual({ status: 200, body: 'Bonjour Bamako "centre"\nligne 2' });
  });

  it('refuses outbound fetch by default with a clear error, even to loopback', async () => {
    // A listener the test owns: if egress leaked, this would see the request.
    let leaked = 0;
    const listener = http.createServer((_req, res) => {
      leaked += 1;
      res.end('leaked');
    });
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    const target = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/`;
    try {
      const s = await supervise(`export default { async fetch(req) {
        if (new URL(req.url).pathname !== '/out') return new Response('ok');
        const res = await fetch(${JSON.stringify(target)});
        return new Response(res.status + ' ' + await res.text());
      } };`);
      const port = await s.start();
      const { body } = await get(port, '/out');
      expect(body).toMatch(/^403 /);
      expect(body).toContain('Egress blocked by the Gov platform');
      expect(leaked).toBe(0);
    } finally {
      listener.close();
    }
  });

  it('fails the start with the app error when the module throws at load', async () => {
    const s = await supervise(`throw new Error('configuration manquante');
      export default { fetch() { return new Response('never'); } };`);
    await expect(s.start()).rejects.toMatchObject({
      code: 'start_failed',
      message: expect.stringContaining('configuration manquante'),
    });
    expect(s.state).toBe('stopped');
  });

  it('fails the start when the app answers its readiness probe with a 5xx', async () => {
    // The probe retries until the start timeout: keep that short here.
    const s = await supervise(
      `export default { fetch() { throw new Error('handler cassé'); } };`,
      {},
      [],
      2_000,
    );
    await expect(s.start()).rejects.toMatchObject({ message: expect.stringMatching(/HTTP 500/) });
  });

  it('restarts a crashed process and serves again', async () => {
    const events: SupervisorEvent[] = [];
    const s = await supervise(
      `export default { fetch() { return new Response('vivant'); } };`,
      {},
      events,
    );
    await s.start();
    const firstPid = s.pid;
    expect(firstPid).toBeDefined();
    process.kill(firstPid as number, 'SIGKILL');
    await expect.poll(() => s.state, { timeout: 5_000 }).not.toBe('ready');
    const port = await s.whenReady();
    expect(s.pid).not.toBe(firstPid);
    expect(await get(port)).toEqual({ status: 200, body: 'vivant' });
    expect(events.map((e) => e.type)).toEqual(['ready', 'crashed', 'ready']);
  });

  it('kills and restarts a version that holds more memory than its limit', async () => {
    const events: SupervisorEvent[] = [];
    const supervisor = new WorkerSupervisor({
      // 32 MiB of heap + the runtime's allowance: off-heap buffers of 160 MiB are over it.
      spec: spec(
        `const hoard = [];
        export default { fetch(req) {
          if (new URL(req.url).pathname === '/hoard') {
            for (let i = 0; i < 160; i++) hoard.push(new Uint8Array(1024 * 1024).fill(1));
          }
          return new Response('held ' + hoard.length + ' MiB');
        } };`,
        {},
        32,
      ),
      workDir: await mkdtemp(path.join(root, 'v-')),
      initialBackoffMs: 50,
      onEvent: (e) => events.push(e),
    });
    running.push(supervisor);
    const port = await supervisor.start();
    const firstPid = supervisor.pid;
    expect((await get(port, '/hoard')).body).toBe('held 160 MiB');
    await expect
      .poll(() => events.map((e) => e.type), { timeout: 10_000 })
      .toContain('memory_exceeded');
    // Killed, seen crashing, and started afresh.
    await expect
      .poll(() => events.filter((e) => e.type === 'ready').length, { timeout: 10_000 })
      .toBe(2);
    const again = await supervisor.whenReady();
    expect(supervisor.pid).not.toBe(firstPid);
    expect((await get(again)).body).toBe('held 0 MiB');
  });

  it('stops the process cleanly and refuses to serve afterwards', async () => {
    const s = await supervise(`export default { fetch() { return new Response('ok'); } };`);
    const port = await s.start();
    const pid = s.pid as number;
    await s.stop();
    expect(s.state).toBe('stopped');
    expect(() => process.kill(pid, 0)).toThrow();
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
    await expect(s.whenReady()).rejects.toMatchObject({ code: 'stopped' });
  });
});
