import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

const PID_FILE = 'workerd.pid';

/** Records which process runs a version, so a later boot can find it if we die abruptly. */
export async function recordPid(versionDir: string, pid: number | undefined): Promise<void> {
  if (pid !== undefined) await writeFile(path.join(versionDir, PID_FILE), String(pid));
}

/**
 * A control plane killed with SIGKILL cannot stop its workerd children, and
 * they would keep ports and memory forever. On boot, stop every workerd
 * process a previous run recorded, then clear the working directory.
 */
export async function reapOrphans(workDir: string): Promise<number> {
  let reaped = 0;
  const entries = await readdir(workDir).catch(() => [] as string[]);
  for (const entry of entries) {
    const pid = Number(
      await readFile(path.join(workDir, entry, PID_FILE), 'utf8').catch(() => Number.NaN),
    );
    if (!Number.isInteger(pid) || pid <= 0) continue;
    // Only kill it if that pid is still a workerd: pids get reused.
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (!cmdline.includes('workerd') || !cmdline.includes(workDir)) continue;
    try {
      process.kill(pid, 'SIGKILL');
      reaped += 1;
    } catch {
      // Already gone.
    }
  }
  await rm(workDir, { recursive: true, force: true });
  return reaped;
}
