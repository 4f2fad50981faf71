import { spawn } from 'node:child_process';
import { readdir, readFile, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CgroupManager } from './cgroups.ts';

const limits = { memoryBytes: 64 * 1024 * 1024, cpuMillicores: 500, pids: 16 };

/** A process to place in groups: it sleeps until the test ends it. */
function sleeper() {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  return {
    pid: child.pid as number,
    end: () => child.kill('SIGKILL'),
    exited: new Promise((resolve) => child.once('exit', resolve)),
  };
}

const memoryGroupOf = async (pid: number) =>
  /^\d+:memory:(.*)$/m.exec(await readFile(`/proc/${pid}/cgroup`, 'utf8'))?.[1];

/** Kernel-enforced limits: where this machine lets us write cgroups (CI machines do). */
describe('CgroupManager', async () => {
  const own = await CgroupManager.detect(`own-${process.pid}`);
  if (!own) console.warn('cgroups are not writable here: cgroup tests skipped');
  afterAll(async () => {
    await own?.dispose();
  });

  it.runIf(own)(
    "keeps a group another platform's start would prune while its process is not yet in it",
    async () => {
      // A platform creates a group, then spawns workerd and attaches it: between
      // the two, the group is empty. Another platform starting on the machine
      // prunes the empty groups of platforms that are gone, and must not take
      // this one (seen in CI: the app then ran without any limit).
      const group = await (own as CgroupManager).create('dep_x', limits);
      const other = await CgroupManager.detect(`other-${process.pid}`);
      const proc = sleeper();
      try {
        await group.attach(proc.pid);
        expect(await memoryGroupOf(proc.pid)).toContain('dep_x');
      } finally {
        proc.end();
        await proc.exited;
        await group.destroy();
        await other?.dispose();
      }
    },
  );

  it.runIf(own)('still removes the empty groups a platform that is gone left', async () => {
    await (own as CgroupManager).create('dep_left', limits);
    const namespace = path.join(
      '/sys/fs/cgroup/memory',
      (await memoryGroupOf(process.pid)) ?? '',
      `gov-own-${process.pid}`,
    );
    const left = (await readdir(namespace)).find((name) => name.startsWith('dep_left'));
    expect(left).toBeDefined();
    // As a group created long ago by a platform killed before it tidied up.
    const longAgo = new Date(Date.now() - 60 * 60 * 1000);
    await utimes(path.join(namespace, left as string), longAgo, longAgo);
    await (await CgroupManager.detect(`other-${process.pid}`))?.dispose();
    await expect(stat(path.join(namespace, left as string))).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});
