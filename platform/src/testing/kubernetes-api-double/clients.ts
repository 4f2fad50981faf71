import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import type { KubernetesApiDouble } from './start.ts';

/** A client-node KubeConfig for the double, the way a driver under test would be configured. */
export function kubeConfigFor(double: Pick<KubernetesApiDouble, 'url'>): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'kubernetes-api-double', server: double.url, skipTLSVerify: true }],
    users: [{ name: 'kubernetes-api-double' }],
    contexts: [
      {
        name: 'kubernetes-api-double',
        cluster: 'kubernetes-api-double',
        user: 'kubernetes-api-double',
        namespace: 'default',
      },
    ],
    currentContext: 'kubernetes-api-double',
  });
  return kc;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real kubectl (Debian's /usr/bin/kubectl) against the double,
 * with its own kubeconfig and discovery cache in a scratch directory, so
 * nothing from the user's ~/.kube is read or written.
 */
export async function kubectlAgainst(double: Pick<KubernetesApiDouble, 'kubeconfig'>) {
  const dir = await mkdtemp(path.join(tmpdir(), 'kubectl-double-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  await writeFile(kubeconfig, double.kubeconfig);
  return {
    dir,
    run(args: string[], stdin?: string): Promise<KubectlResult> {
      return new Promise((resolve) => {
        const child = execFile(
          process.env.KUBECTL ?? '/usr/bin/kubectl',
          [`--cache-dir=${path.join(dir, 'cache')}`, ...args],
          {
            env: { PATH: process.env.PATH ?? '', HOME: dir, KUBECONFIG: kubeconfig },
            timeout: 60_000,
          },
          (error, stdout, stderr) => {
            const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
            resolve({ code, stdout, stderr });
          },
        );
        if (stdin !== undefined) child.stdin?.end(stdin);
      });
    },
    async cleanup() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The `Status` body of a client-node ApiException (its body is the response text). */
export function statusOf(error: unknown): {
  code: number;
  reason: string;
  message: string;
  details?: Record<string, unknown>;
} {
  const body = (error as { body?: unknown }).body;
  const parsed: unknown = typeof body === 'string' ? JSON.parse(body) : body;
  return parsed as {
    code: number;
    reason: string;
    message: string;
    details?: Record<string, unknown>;
  };
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
