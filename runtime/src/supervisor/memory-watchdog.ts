import { readFile } from 'node:fs/promises';

/**
 * workerd enforces no memory limit of its own. The isolate's heap is capped
 * with V8's flag, but memory outside the heap (ArrayBuffers, the runtime
 * itself) is not: this watchdog reads the process's resident size and kills
 * it past the limit, so one ministry's app cannot take the machine's memory.
 */
export const RUNTIME_OVERHEAD_MIB = 64;

export async function residentMib(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  const match = status ? /^VmRSS:\s+(\d+) kB$/m.exec(status) : null;
  return match?.[1] ? Number(match[1]) / 1024 : undefined;
}

export function watchMemory(
  pid: number,
  limitMib: number,
  onExceeded: (residentMib: number) => void,
  intervalMs = 1_000,
): () => void {
  const timer = setInterval(async () => {
    const rss = await residentMib(pid);
    if (rss !== undefined && rss > limitMib) {
      clearInterval(timer);
      onExceeded(rss);
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
