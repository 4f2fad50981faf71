import { readFile } from 'node:fs/promises';

/**
 * Memory workerd needs beyond the app's heap limit (its own code and
 * buffers, the isolate's young generation, allocator slack), allowed on top
 * of what the version asks for (`memoryMib` caps the JavaScript heap). Under
 * steady load a healthy app's own memory grows about 1 KiB a request until
 * V8 collects near its heap limit: measured at about 205 MiB for a 128 MiB
 * app after 180,000 requests, still rising. Past 85% of the limit the
 * instance is replaced gracefully, never killed (`npm run scorecard`).
 */
export const RUNTIME_OVERHEAD_MIB = 128;

/** Past this share of its limit, an instance is replaced gracefully before it is killed. */
export const SOFT_LIMIT_RATIO = 0.85;

/**
 * The process's own memory: anonymous and shared memory (heap, buffers),
 * not the pages of the workerd binary, which every instance shares with the
 * others and the page cache can drop.
 */
export async function ownMemoryMib(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  if (!status) return undefined;
  const kb = (key: string) =>
    Number(new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1] ?? 0);
  return (kb('RssAnon') + kb('RssShmem')) / 1024;
}

export interface MemoryWatch {
  measure: () => Promise<number | undefined>;
  /** Past `softMib`: called once, to replace the instance without cutting requests. */
  onSoft: (mib: number) => void;
  /** Past `hardMib`: called once, to kill it (only where no cgroup enforces the limit). */
  onHard?: (mib: number) => void;
  softMib: number;
  hardMib: number;
  intervalMs?: number;
}

/**
 * Polls an instance's own memory. With a cgroup the kernel enforces the hard
 * limit and this only triggers the graceful replacement; without one, it is
 * the fallback that kills past the limit (polled every 250 ms, so a fast
 * allocation can still overshoot: that is why cgroups come first).
 */
export function watchMemory(watch: MemoryWatch): () => void {
  let softDone = false;
  const timer = setInterval(async () => {
    const mib = await watch.measure();
    if (mib === undefined) return;
    if (watch.onHard && mib > watch.hardMib) {
      clearInterval(timer);
      watch.onHard(mib);
      return;
    }
    if (!softDone && mib > watch.softMib) {
      softDone = true;
      watch.onSoft(mib);
      if (!watch.onHard) clearInterval(timer);
    }
  }, watch.intervalMs ?? 250);
  timer.unref();
  return () => clearInterval(timer);
}
