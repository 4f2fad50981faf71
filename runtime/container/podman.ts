import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * How podman runs on these machines (shared/notes/containers-here.md): crun
 * fails with the hybrid cgroup layout, runc with the cgroupfs manager works,
 * and vfs storage needs no kernel overlay support. The limits are still
 * enforced by the kernel's cgroup v1 controllers.
 */
export const PODMAN_GLOBAL_FLAGS = [
  '--runtime',
  'runc',
  '--cgroup-manager',
  'cgroupfs',
  '--storage-driver',
  'vfs',
];

const CONTAINERS_CONF = '[containers]\ndefault_ulimits = []\npids_limit = 0\n';

/**
 * podman's default ulimits are refused here; a containers.conf with none
 * avoids that. One file in the temp directory, written whole then renamed
 * so a concurrent reader never sees half of it, unless the caller brings
 * their own CONTAINERS_CONF.
 */
export function podmanEnv(): NodeJS.ProcessEnv {
  if (process.env.CONTAINERS_CONF) return process.env;
  const file = path.join(os.tmpdir(), 'gov-podman-containers.conf');
  if (!existsSync(file) || readFileSync(file, 'utf8') !== CONTAINERS_CONF) {
    const partial = `${file}.${process.pid}`;
    writeFileSync(partial, CONTAINERS_CONF);
    renameSync(partial, file);
  }
  return { ...process.env, CONTAINERS_CONF: file };
}

/** The podman version, or null when it is not installed. */
export function podmanVersion(): string | null {
  const result = spawnSync('podman', ['--version'], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : null;
}

export interface PodmanResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one podman command with this machine's flags; never through a shell. */
export function podman(
  args: string[],
  options: { inheritOutput?: boolean; check?: boolean } = {},
): Promise<PodmanResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('podman', [...PODMAN_GLOBAL_FLAGS, ...args], {
      env: podmanEnv(),
      stdio: ['ignore', options.inheritOutput ? 'inherit' : 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk;
      if (options.inheritOutput) process.stderr.write(chunk);
    });
    child.once('error', reject);
    child.once('close', (code) => {
      const result = { code: code ?? 1, stdout, stderr };
      if (options.check && result.code !== 0) {
        const tail = `${stdout}\n${stderr}`.trim().split('\n').slice(-20).join('\n');
        reject(new Error(`podman ${args[0]} failed (${result.code}):\n${tail}`));
      } else {
        resolve(result);
      }
    });
  });
}
