import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerSupervisor } from '../supervisor/supervisor.ts';
import { denyAllEgress } from '../workerd/egress.ts';

/** Scheduled events delivered to an app's handler through real workerd, as cron triggers are. */
let root: string;
const instances: WorkerSupervisor[] = [];

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gov-scheduled-'));
});
afterAll(async () => {
  await Promise.all(instances.map((i) => i.stop()));
  await rm(root, { recursive: true, force: true });
});

async function start(source: string, scheduled = true) {
  const instance = new WorkerSupervisor({
    spec: {
      id: 'dep_cron',
      mainModule: 'index.js',
      modules: [{ name: 'index.js', type: 'esModule', content: new TextEncoder().encode(source) }],
      compatibilityDate: '2026-04-01',
      compatibilityFlags: [],
      vars: { VILLE: 'Ségou' },
      egress: denyAllEgress,
      memoryMib: 128,
      scheduled,
    },
    workDir: await mkdtemp(path.join(root, 'v-')),
    initialBackoffMs: 50,
    startTimeoutMs: 15_000,
  });
  instances.push(instance);
  return { instance, base: `http://127.0.0.1:${await instance.start()}` };
}

describe('scheduled events', () => {
  it('calls the handler of an object app with the controller, env and ctx, and the app still serves', async () => {
    const { instance, base } = await start(`
      const runs = [];
      export default {
        fetch() { return Response.json(runs); },
        async scheduled(controller, env, ctx) {
          ctx.waitUntil(Promise.resolve());
          runs.push({ cron: controller.cron, at: controller.scheduledTime, ville: env.VILLE });
        },
      };
      export class Autre {}
    `);
    const at = Date.UTC(2026, 11, 4, 3, 0);
    const outcome = await instance.runScheduled({ cron: '0 3 * * *', scheduledTime: at });
    expect(outcome).toMatchObject({ outcome: 'ok' });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(0);
    expect(await (await fetch(base)).json()).toEqual([{ cron: '0 3 * * *', at, ville: 'Ségou' }]);
  });

  it('calls the scheduled method of a class app', async () => {
    const { instance, base } = await start(`
      import { WorkerEntrypoint } from 'cloudflare:workers';
      let last = 'jamais';
      export default class extends WorkerEntrypoint {
        fetch() { return new Response(last); }
        async scheduled(controller) { last = controller.cron + ' ' + this.env.VILLE; }
      }
    `);
    expect((await instance.runScheduled({ cron: '*/5 * * * *', scheduledTime: 0 })).outcome).toBe(
      'ok',
    );
    expect(await (await fetch(base)).text()).toBe('*/5 * * * * Ségou');
  });

  it('reports an exception with its message, and an app without a handler', async () => {
    const failing = await start(`export default {
      fetch() { return new Response('ok'); },
      scheduled() { throw new Error('registre indisponible'); },
    };`);
    const outcome = await failing.instance.runScheduled({ cron: '0 * * * *', scheduledTime: 0 });
    expect(outcome.outcome).toBe('exception');
    expect(outcome.message).toMatch(/registre indisponible/);
    const none = await start(`export default { fetch() { return new Response('ok'); } };`);
    expect(
      (await none.instance.runScheduled({ cron: '0 * * * *', scheduledTime: 0 })).outcome,
    ).toBe('no_handler');
  });

  it('has no scheduled socket for an app without cron triggers', async () => {
    const plain = await start(
      `export default { fetch() { return new Response('ok'); }, scheduled() {} };`,
      false,
    );
    expect(
      await plain.instance.runScheduled({ cron: '0 * * * *', scheduledTime: 0 }),
    ).toMatchObject({
      outcome: 'unavailable',
      message: 'this version has no cron triggers',
    });
  });
});
