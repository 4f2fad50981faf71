import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rmdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** How an instance's memory and CPU limits are enforced on this machine. */
export type LimitEnforcement = 'cgroup-v1' | 'watchdog';

export interface InstanceLimits {
  /** Hard limit the kernel enforces: the process is killed past it. */
  memoryBytes: number;
  /** CPU time per period, in thousandths of a core (500 = half a core). */
  cpuMillicores: number;
  /** Processes and threads: a fork bomb stops here. */
  pids: number;
}

/** The cgroups of one workerd process: memory, cpu and pids controllers. */
export interface InstanceCgroup {
  attach(pid: number): Promise<void>;
  /** The app's own memory: anonymous and shared memory, not the workerd binary's pages. */
  ownMemoryBytes(): Promise<number | undefined>;
  /** How many times the kernel killed a process of this group for memory. */
  oomKills(): Promise<number>;
  /** Scheduler periods in which the group was held back at its CPU quota. */
  throttledPeriods(): Promise<number>;
  destroy(): Promise<void>;
}

const CONTROLLERS = ['memory', 'cpu', 'pids'] as const;
type Controller = (typeof CONTROLLERS)[number];

/** Where this process sits in each cgroup v1 hierarchy, from /proc/self/cgroup. */
async function ownV1Paths(): Promise<Record<Controller, string> | undefined> {
  const text = await readFile('/proc/self/cgroup', 'utf8').catch(() => '');
  const found: Partial<Record<Controller, string>> = {};
  for (const line of text.split('\n')) {
    const [, list, where] = line.split(':');
    if (!list || where === undefined) continue;
    for (const controller of list.split(',')) {
      if ((CONTROLLERS as readonly string[]).includes(controller)) {
        const mount = `/sys/fs/cgroup/${controller}`;
        if (existsSync(mount)) found[controller as Controller] = path.join(mount, where);
      }
    }
  }
  return CONTROLLERS.every((c) => found[c]) ? (found as Record<Controller, string>) : undefined;
}

/**
 * How long a group may stand empty before another platform takes it for a
 * leftover: a platform creates a group, then spawns workerd and moves it in,
 * and in between the group is empty. Pruning it then would leave the app
 * running with no limit at all (seen in CI, with test platforms starting side
 * by side).
 */
const LEFTOVER_AFTER_MS = 10 * 60 * 1000;

/** Whether `dir` was created long enough ago to be a leftover if it is empty. */
async function oldEnough(dir: string): Promise<boolean> {
  const created = await stat(dir).catch(() => undefined);
  return created !== undefined && Date.now() - created.mtimeMs > LEFTOVER_AFTER_MS;
}

/**
 * Removes the empty groups of platforms that are gone (killed before they
 * could tidy up). The kernel refuses to remove a group that still has
 * processes or children, so a running platform's busy groups are never
 * touched, and a group created in the last minutes is left alone: it may be
 * one whose process is on its way in.
 */
async function pruneEmpty(parent: string): Promise<void> {
  for (const namespace of await readdir(parent).catch(() => [] as string[])) {
    if (!namespace.startsWith('gov-')) continue;
    const dir = path.join(parent, namespace);
    for (const group of await readdir(dir).catch(() => [] as string[])) {
      const groupDir = path.join(dir, group);
      if (existsSync(path.join(groupDir, 'cgroup.procs')) && (await oldEnough(groupDir)))
        await rmdir(groupDir).catch(() => {});
    }
    if (await oldEnough(dir)) await rmdir(dir).catch(() => {});
  }
}

/**
 * Creates `dir` under `root`, creating `root` again if another platform
 * pruned it in between (its namespace folder was old and empty).
 */
async function makeGroup(root: string, dir: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await mkdir(root, { recursive: true });
    try {
      // Not recursive: a group left by someone else under this name is never joined.
      await mkdir(dir);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt === 3) throw error;
    }
  }
}

/**
 * Kernel-enforced limits per workerd process, through the cgroup v1 memory,
 * cpu and pids controllers (mounted on these machines). Groups are created
 * under this process's own cgroups, in one folder per platform run
 * directory, so one platform never touches another's. Where cgroups cannot
 * be written (no permission, cgroup v2 without delegation), `detect`
 * returns undefined and the supervisor's memory watchdog is used instead.
 */
export class CgroupManager {
  readonly kind: LimitEnforcement = 'cgroup-v1';
  readonly #roots: Record<Controller, string>;
  /** Makes every group name unique: two instances sharing a group would share its limit. */
  #created = 0;

  private constructor(roots: Record<Controller, string>) {
    this.#roots = roots;
  }

  /** A manager for `namespace` (a short, path-safe name), if this machine lets us write cgroups. */
  static async detect(namespace: string): Promise<CgroupManager | undefined> {
    const own = await ownV1Paths();
    if (!own) return undefined;
    const roots = Object.fromEntries(
      CONTROLLERS.map((c) => [c, path.join(own[c], `gov-${namespace}`)]),
    ) as Record<Controller, string>;
    for (const c of CONTROLLERS) await pruneEmpty(own[c]);
    try {
      for (const c of CONTROLLERS) await mkdir(roots[c], { recursive: true });
      // Proves we may set limits, not only create folders.
      const probe = path.join(roots.memory, 'probe');
      await mkdir(probe, { recursive: true });
      await writeFile(path.join(probe, 'memory.limit_in_bytes'), String(64 * 1024 * 1024));
      await rmdir(probe);
    } catch {
      return undefined;
    }
    return new CgroupManager(roots);
  }

  /** Removes groups a previous run left (their processes are gone). */
  async removeStale(): Promise<void> {
    for (const c of CONTROLLERS) {
      for (const entry of await readdir(this.#roots[c]).catch(() => [] as string[])) {
        const dir = path.join(this.#roots[c], entry);
        if (existsSync(path.join(dir, 'cgroup.procs'))) await rmdir(dir).catch(() => {});
      }
    }
  }

  /** Removes this namespace's groups and its own folder (once their processes are gone). */
  async dispose(): Promise<void> {
    await this.removeStale();
    for (const c of CONTROLLERS) await rmdir(this.#roots[c]).catch(() => {});
  }

  /**
   * A new group for one process, named after `label` and made unique here:
   * an instance never joins another's group, where it would count against
   * the other's limit (a graceful replacement would be killed with the
   * instance it replaces).
   */
  async create(label: string, limits: InstanceLimits): Promise<InstanceCgroup> {
    this.#created += 1;
    const name = `${label}-${this.#created}`;
    const dirs = Object.fromEntries(
      CONTROLLERS.map((c) => [c, path.join(this.#roots[c], name)]),
    ) as Record<Controller, string>;
    for (const c of CONTROLLERS) await makeGroup(this.#roots[c], dirs[c]);
    const set = (c: Controller, file: string, value: string) =>
      writeFile(path.join(dirs[c], file), value);
    await set('memory', 'memory.limit_in_bytes', String(limits.memoryBytes));
    // Without this, the process would swap instead of being stopped at its limit.
    await set('memory', 'memory.memsw.limit_in_bytes', String(limits.memoryBytes)).catch(() => {});
    await set('cpu', 'cpu.cfs_period_us', '100000');
    await set('cpu', 'cpu.cfs_quota_us', String(Math.max(1_000, limits.cpuMillicores * 100)));
    await set('pids', 'pids.max', String(limits.pids));
    const read = (c: Controller, file: string) =>
      readFile(path.join(dirs[c], file), 'utf8').catch(() => '');
    return {
      async attach(pid) {
        for (const c of CONTROLLERS)
          await writeFile(path.join(dirs[c], 'cgroup.procs'), String(pid));
      },
      async ownMemoryBytes() {
        const stat = await read('memory', 'memory.stat');
        const field = (key: string) =>
          Number(new RegExp(`^${key} (\\d+)$`, 'm').exec(stat)?.[1] ?? 0);
        return stat ? field('rss') + field('shmem') : undefined;
      },
      async oomKills() {
        return Number(
          /^oom_kill (\d+)$/m.exec(await read('memory', 'memory.oom_control'))?.[1] ?? 0,
        );
      },
      async throttledPeriods() {
        return Number(/^nr_throttled (\d+)$/m.exec(await read('cpu', 'cpu.stat'))?.[1] ?? 0);
      },
      async destroy() {
        // A group can only be removed once its processes are gone: retry briefly.
        for (const c of CONTROLLERS) {
          for (let attempt = 0; attempt < 20; attempt++) {
            try {
              await rmdir(dirs[c]);
              break;
            } catch (error) {
              if ((error as NodeJS.ErrnoException).code === 'ENOENT') break;
              await new Promise((r) => setTimeout(r, 50));
            }
          }
        }
      },
    };
  }
}
