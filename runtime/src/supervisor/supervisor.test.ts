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
      reason: 'start_error',
      message: expect.stringContaining('configuration manquante'),
    });
    expect(s.state).toBe('stopped');
  });

  it('is ready as soon as the modules evaluate, whatever "/" answers', async () => {
    // An app that needs a binding answers 500 on "/", another has no "/" at
    // all: neither may wait out the start timeout.
    const events: SupervisorEvent[] = [];
    const s = await supervise(
      `export default { fetch() { throw new Error('binding DB manquant'); } };`,
      {},
      events,
      60_000,
    );
    const started = Date.now();
    const port = await s.start();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await get(port)).status).toBe(500);
  });

  it('fails fast with the first meaningful lines, once, without host paths', async () => {
    const s = await supervise(`throw new Error('variable BASE_URL manquante');
      export default {};`);
    const failure = await s.start().catch((e) => e);
    expect(failure).toMatchObject({ code: 'start_failed', reason: 'start_error' });
    expect(failure.summary).toContain('variable BASE_URL manquante');
    expect(failure.summary.length).toBeLessThan(400);
    expect(failure.summary).not.toContain(root);
    expect(failure.detail).not.toContain('node_modules');
    // Said once, not once per probe.
    expect(failure.detail.split('BASE_URL manquante').length - 1).toBe(1);
  });

  it('probes the declared health path and fails on a 5xx there', async () => {
    const supervisor = new WorkerSupervisor({
      spec: spec(`export default { fetch(req) {
        return new URL(req.url).pathname === '/sante'
          ? new Response('malade', { status: 503 })
          : new Response('ok');
      } };`),
      workDir: await mkdtemp(path.join(root, 'v-')),
      startTimeoutMs: 1_500,
      healthPath: '/sante',
    });
    running.push(supervisor);
    await expect(supervisor.start()).rejects.toMatchObject({
      reason: 'health_check',
      message: expect.stringContaining('GET /sante answered HTTP 503'),
    });
  });

  it('retries a failed first start of a version that served before, until it works', async () => {
    // Unhealthy for its first second of life (as if a dependency were still
    // coming back), healthy after: the supervisor must keep trying.
    const healthyFrom = Date.now() + 1_000;
    const events: SupervisorEvent[] = [];
    const supervisor = new WorkerSupervisor({
      spec: spec(`export default { fetch(req) {
        if (new URL(req.url).pathname !== '/sante') return new Response('revenu');
        return new Response('', { status: Date.now() < ${healthyFrom} ? 503 : 200 });
      } };`),
      workDir: await mkdtemp(path.join(root, 'v-')),
      retryFirstStart: true,
      healthPath: '/sante',
      startTimeoutMs: 400,
      initialBackoffMs: 50,
      onEvent: (e) => events.push(e),
    });
    running.push(supervisor);
    const port = await supervisor.start();
    expect(await get(port)).toEqual({ status: 200, body: 'revenu' });
    const failures = events.filter((e) => e.type === 'start_failed');
    expect(failures.length).toBeGreaterThan(0);
    expect(failures[0]).toMatchObject({ willRetry: true, reason: 'health_check' });
  });

  it('never gives up on a version that served before while it keeps failing', async () => {
    const events: SupervisorEvent[] = [];
    const supervisor = new WorkerSupervisor({
      spec: spec(`throw new Error('base indisponible'); export default {};`),
      workDir: await mkdtemp(path.join(root, 'v-')),
      retryFirstStart: true,
      initialBackoffMs: 20,
      onEvent: (e) => events.push(e),
    });
    running.push(supervisor);
    const starting = supervisor.start();
    await expect
      .poll(() => events.filter((e) => e.type === 'start_failed').length, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(3);
    expect(supervisor.state).toBe('restarting');
    await supervisor.stop();
    await expect(starting).rejects.toMatchObject({ code: 'stopped' });
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
    expect(events.map((e) => e.type)).toEqual(['spawned', 'ready', 'crashed', 'spawned', 'ready']);
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

  it('kills and restarts an instance stuck in an endless loop, then serves again', async () => {
    const events: SupervisorEvent[] = [];
    const supervisor = new WorkerSupervisor({
      spec: spec(`export default { fetch(req) {
        if (new URL(req.url).pathname === '/boucle') { while (true) {} }
        return new Response('libre');
      } };`),
      workDir: await mkdtemp(path.join(root, 'v-')),
      initialBackoffMs: 50,
      liveness: { intervalMs: 200, failures: 3 },
      onEvent: (e) => events.push(e),
    });
    running.push(supervisor);
    const port = await supervisor.start();
    const firstPid = supervisor.pid;
    // The stuck request never answers; the instance is found stuck and replaced.
    void fetch(`http://127.0.0.1:${port}/boucle`).catch(() => {});
    await expect
      .poll(() => events.map((e) => e.type), { timeout: 10_000 })
      .toContain('unresponsive');
    await expect
      .poll(() => events.filter((e) => e.type === 'ready').length, { timeout: 10_000 })
      .toBe(2);
    expect(supervisor.pid).not.toBe(firstPid);
    expect((await get(await supervisor.whenReady())).body).toBe('libre');
    // Its exit is the kill, not a crash of its own: no output quoted as a reason.
    expect(events.find((e) => e.type === 'crashed')).toMatchObject({
      stoppedFor: 'unresponsive',
      detail: '',
    });
  });
});

/** An app that holds `mib` MiB more on each request to /bombe, and says how much it holds. */
function memoryBomb(mib: number): string {
  return `const hoard = [];
    export default { fetch(req) {
      if (new URL(req.url).pathname === '/bombe') {
        for (let i = 0; i < ${mib}; i++) hoard.push(new Uint8Array(1024 * 1024).fill(1));
      }
      return new Response('tenu ' + hoard.length);
    } };`;
}

/** Kernel-enforced limits: where this machine lets us write cgroups (CI machines do). */
describe('WorkerSupervisor with cgroups', async () => {
  const { CgroupManager } = await import('../limits/cgroups.ts');
  const cgroups = await CgroupManager.detect(`test-${process.pid}`);
  if (!cgroups) console.warn('cgroups are not writable here: kernel-limit tests skipped');
  afterAll(async () => {
    await Promise.all(running.splice(0).map((s) => s.stop()));
    await cgroups?.dispose();
  });

  it.runIf(cgroups)(
    'has a memory bomb killed by the kernel at its limit, then restarts it',
    async () => {
      const events: SupervisorEvent[] = [];
      const supervisor = new WorkerSupervisor({
        spec: spec(memoryBomb(2000), {}, 32),
        workDir: await mkdtemp(path.join(root, 'v-')),
        initialBackoffMs: 50,
        cgroups,
        onEvent: (e) => events.push(e),
      });
      running.push(supervisor);
      const port = await supervisor.start();
      await fetch(`http://127.0.0.1:${port}/bombe`).catch(() => undefined);
      await expect
        .poll(() => events.find((e) => e.type === 'memory_exceeded'), { timeout: 10_000 })
        .toMatchObject({ enforcedBy: 'cgroup' });
      expect(events.find((e) => e.type === 'crashed')).toMatchObject({
        stoppedFor: 'memory_limit',
      });
      await expect
        .poll(() => events.filter((e) => e.type === 'ready').length, { timeout: 10_000 })
        .toBe(2);
      expect((await get(await supervisor.whenReady())).body).toBe('tenu 0');
    },
  );

  it.runIf(cgroups)(
    'falls back to the watchdog when the instance cannot join its group, never running unbounded',
    async () => {
      const events: SupervisorEvent[] = [];
      const logs: string[] = [];
      const manager = cgroups as NonNullable<typeof cgroups>;
      const supervisor = new WorkerSupervisor({
        spec: spec(memoryBomb(400), {}, 32),
        workDir: await mkdtemp(path.join(root, 'v-')),
        initialBackoffMs: 50,
        // A group that is gone when the process is moved in (as when another
        // platform pruned it): the real group, with its attach refused as the kernel would.
        cgroups: {
          async create(label, limits) {
            const group = await manager.create(label, limits);
            return {
              ...group,
              attach: async () => {
                throw new Error("ENOENT: no such file or directory, open 'cgroup.procs'");
              },
            };
          },
        },
        onEvent: (e) => events.push(e),
        onLog: (l) => logs.push(l.line),
      });
      running.push(supervisor);
      const port = await supervisor.start();
      expect(logs.join('\n')).toContain('the memory watchdog alone bounds it');
      await fetch(`http://127.0.0.1:${port}/bombe`).catch(() => undefined);
      await expect
        .poll(() => events.find((e) => e.type === 'memory_exceeded'), { timeout: 10_000 })
        .toMatchObject({ enforcedBy: 'watchdog' });
    },
  );

  it.runIf(cgroups)(
    'gives two instances of one version a group each, so neither pays for the other',
    async () => {
      const { readFile } = await import('node:fs/promises');
      const pids: number[] = [];
      for (let i = 0; i < 2; i++) {
        const supervisor = new WorkerSupervisor({
          spec: spec('export default { fetch() { return new Response("un"); } };', {}, 32),
          workDir: await mkdtemp(path.join(root, 'v-')),
          cgroups,
          onEvent: (e) => {
            if (e.type === 'ready' && e.pid !== undefined) pids.push(e.pid);
          },
        });
        running.push(supervisor);
        await supervisor.start();
      }
      const memoryGroup = async (pid: number) =>
        /^\d+:memory:(.*)$/m.exec(await readFile(`/proc/${pid}/cgroup`, 'utf8'))?.[1];
      const [first, second] = await Promise.all(pids.map(memoryGroup));
      expect(first).toBeTruthy();
      expect(second).toBeTruthy();
      expect(first).not.toBe(second);
    },
  );

  it.runIf(cgroups)('stops a fork bomb at its process limit', async () => {
    const group = await (cgroups as NonNullable<typeof cgroups>).create('fourche', {
      memoryBytes: 256 * 1024 * 1024,
      cpuMillicores: 500,
      pids: 8,
    });
    const { spawn } = await import('node:child_process');
    // Waits for a line on stdin, so it forks only once inside the group.
    const child = spawn('sh', ['-c', 'read go; for i in $(seq 30); do sleep 3 & done; wait'], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    try {
      await group.attach(child.pid as number);
      child.stdin.write('go\n');
      await new Promise((r) => child.once('exit', r));
      expect(stderr).toMatch(/fork|resource/i);
    } finally {
      child.kill('SIGKILL');
      await group.destroy();
    }
  });

  it.runIf(cgroups)('holds an endless loop to its CPU quota', async () => {
    const { CgroupManager: Manager } = await import('../limits/cgroups.ts');
    const manager = (await Manager.detect(`test-cpu-${process.pid}`)) as NonNullable<
      typeof cgroups
    >;
    const group = await manager.create('spin', {
      memoryBytes: 256 * 1024 * 1024,
      cpuMillicores: 200,
      pids: 64,
    });
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['-e', 'while (true) {}']);
    try {
      await group.attach(child.pid as number);
      await expect.poll(() => group.throttledPeriods(), { timeout: 5_000 }).toBeGreaterThan(0);
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      await group.destroy();
      await manager.dispose();
    }
  });
});
