import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { denyAllEgress } from '@gov/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VersionSpec } from '../driver.ts';
import { LocalDriver } from './local-driver.ts';
import { readInstance, reapOrphans } from './orphans.ts';

let workDir: string;
beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'gov-local-'));
});
afterAll(() => rm(workDir, { recursive: true, force: true }));

const spec = (deploymentId: string, body: string): VersionSpec => ({
  deploymentId,
  appId: 'app_x',
  ministryId: 'min_x',
  mainModule: 'index.js',
  modules: [
    {
      name: 'index.js',
      type: 'esModule',
      content: new TextEncoder().encode(
        `export default { fetch() { return new Response(${JSON.stringify(body)}); } };`,
      ),
    },
  ],
  compatibilityDate: '2026-04-01',
  compatibilityFlags: [],
  vars: {},
  egress: denyAllEgress,
  memoryMib: 128,
});

describe('LocalDriver', () => {
  it('drains in-flight requests before stopping a removed version', async () => {
    const driver = new LocalDriver({ workDir, idleTimeoutMs: 60_000, startTimeoutMs: 15_000 });
    await driver.ensure(spec('dep_drain', 'ok'));
    const lease = await driver.acquire('dep_drain');
    let removed = false;
    const removal = driver.remove('dep_drain').then(() => {
      removed = true;
    });
    await new Promise((r) => setTimeout(r, 200));
    // The request in flight can still complete against the old process.
    expect(removed).toBe(false);
    expect(await (await fetch(`http://127.0.0.1:${lease.port}/`)).text()).toBe('ok');
    lease.release();
    await removal;
    expect(removed).toBe(true);
    await expect(driver.acquire('dep_drain')).rejects.toMatchObject({ code: 'unknown_version' });
    await driver.close();
  });

  it('finds and stops workerd processes left behind by a control plane that died', async () => {
    const abandoned = new LocalDriver({ workDir, idleTimeoutMs: 60_000, startTimeoutMs: 15_000 });
    await abandoned.ensure(spec('dep_orphan', 'orphelin'));
    // Wait for the instance record; then "crash" without calling close().
    await expect.poll(() => readInstance(path.join(workDir, 'dep_orphan'))).toBeDefined();
    const record = await readInstance(path.join(workDir, 'dep_orphan'));
    expect(record?.pid).toBe(abandoned.pidOf('dep_orphan'));
    expect(await reapOrphans(workDir)).toBe(1);
    await expect
      .poll(() => {
        try {
          process.kill(record?.pid ?? 0, 0);
          return 'alive';
        } catch {
          return 'gone';
        }
      })
      .toBe('gone');
  });
});
