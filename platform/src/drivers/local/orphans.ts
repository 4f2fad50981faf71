import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

const INSTANCE_FILE = 'instance.json';

/** What the local driver records about a running version's process. */
export interface InstanceRecord {
  pid: number;
  port: number;
}

/**
 * Records which process serves a version on which port: a later boot finds
 * processes a crashed control plane left behind, and operators (and fault
 * tests) can find a version's process.
 */
export async function recordInstance(versionDir: string, record: InstanceRecord): Promise<void> {
  await writeFile(path.join(versionDir, INSTANCE_FILE), `${JSON.stringify(record)}\n`);
}

export async function readInstance(versionDir: string): Promise<InstanceRecord | undefined> {
  try {
    const parsed = JSON.parse(await readFile(path.join(versionDir, INSTANCE_FILE), 'utf8'));
    if (Number.isInteger(parsed?.pid) && Number.isInteger(parsed?.port)) return parsed;
  } catch {
    // Missing or half-written: nothing to report.
  }
  return undefined;
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
    const record = await readInstance(path.join(workDir, entry));
    if (!record) continue;
    // Only kill it if that pid is still one of our workerds: pids get reused.
    const cmdline = await readFile(`/proc/${record.pid}/cmdline`, 'utf8').catch(() => '');
    if (!cmdline.includes('workerd') || !cmdline.includes(workDir)) continue;
    try {
      process.kill(record.pid, 'SIGKILL');
      reaped += 1;
    } catch {
      // Already gone.
    }
  }
  await rm(workDir, { recursive: true, force: true });
  return reaped;
}
