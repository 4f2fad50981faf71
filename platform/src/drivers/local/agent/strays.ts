import { readdir, readFile } from 'node:fs/promises';

/** workerd processes whose command line points below `prefix`. */
async function workerdUnder(prefix: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const args = cmdline.split('\0');
    if (!args.some((a) => a.endsWith('/workerd') || a === 'workerd')) continue;
    if (args.some((a) => a.startsWith(prefix))) pids.push(Number(entry));
  }
  return pids;
}

/**
 * App instances (workerd processes whose config is in a version's folder,
 * `<runDir>/dep_…`) running now: an agent's own while it lives, strays left
 * by an agent that died before it could stop them otherwise. The
 * parent-death signal normally kills them with the agent; this catches what
 * it cannot (an agent that died between spawn and exec, or a platform
 * without setpriv). The storage service is not an app instance.
 */
export function findStrayWorkerd(runDir: string): Promise<number[]> {
  return workerdUnder(`${runDir.replace(/\/+$/, '')}/dep_`);
}

/** At an agent's start, before it runs anything: every workerd below `runDir` is a stray. */
export async function reapStrayWorkerd(runDir: string): Promise<number> {
  let reaped = 0;
  for (const pid of await workerdUnder(`${runDir.replace(/\/+$/, '')}/`)) {
    try {
      process.kill(pid, 'SIGKILL');
      reaped += 1;
    } catch {
      // Already gone.
    }
  }
  return reaped;
}
