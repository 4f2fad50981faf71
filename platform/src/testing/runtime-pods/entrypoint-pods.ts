import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { onOutputLines } from '@gov/runtime';
import { SCHEDULED_PORT } from '../../drivers/kubernetes/manifests/ports.ts';
import { APP_PORT, LIVENESS_PORT } from '../../drivers/kubernetes/manifests/version.ts';
import type {
  KubeObject,
  PodLogLine,
  PodProcess,
  PodRunner,
} from '../kubernetes-api-double/index.ts';
import { arrayAt, isJsonObject } from '../kubernetes-api-double/objects.ts';
import { containerEnvironment } from './pod-env.ts';
import { materialiseVolumes } from './pod-volumes.ts';
import { processesInGroup, signalGroup } from './process-group.ts';

/** The runtime image's entrypoint, from source, as runtime/src/entrypoint/main.test.ts runs it. */
const RUNTIME_DIR = path.dirname(
  path.dirname(createRequire(import.meta.url).resolve('@gov/runtime')),
);
const ENTRYPOINT = path.join(RUNTIME_DIR, 'src', 'entrypoint', 'main.ts');
/** Lines of output kept for a failing test to print. */
const MAX_OUTPUT_LINES = 4000;

/** A time as the kubelet stamps log lines: RFC 3339 with nine fraction digits. */
const rfc3339Nano = (date: Date) => date.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');

/** One start of a pod: its process group is the entrypoint's pid. */
export interface StartedPod {
  namespace: string;
  pod: string;
  podIp: string;
  pgid: number;
}

export interface RuntimeEntrypointPods {
  /** The hook for startKubernetesApiDouble({ podRunner }). */
  runner: PodRunner;
  /** Every start so far, in order, whether it still runs or not. */
  started: StartedPod[];
  /** The processes of a start that still live (the entrypoint, workerd). */
  alive(start: StartedPod): number[];
  /** Everything the pods printed, each line prefixed with its pod's name. */
  output(): string;
  /** Kills whatever still runs and removes the pods' directories. */
  stopAll(): Promise<void>;
}

function portOf(address: string | undefined, fallback: number): number {
  const port = Number(/:(\d+)$/.exec(address ?? '')?.[1]);
  return Number.isInteger(port) && port > 0 ? port : fallback;
}

function waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const deadline = Date.now() + timeoutMs;
    const tick = () => {
      if (check()) return resolve(true);
      if (Date.now() >= deadline) return resolve(false);
      setTimeout(tick, 25);
    };
    tick();
  });
}

/**
 * Runs the Kubernetes driver's pods as the runtime image would, without the
 * image: `node --import tsx runtime/src/entrypoint/main.ts` with the pod's
 * environment (Secrets and ConfigMaps resolved from the double), its
 * volumes as temporary directories, and its addresses moved from 0.0.0.0
 * to the pod's own loopback address. Each start is its own process group,
 * so stopping a pod stops workerd with it. Test support: no isolation, no
 * resource limits, no image.
 */
export function runtimeEntrypointPods(options: { graceMs?: number } = {}): RuntimeEntrypointPods {
  const graceMs = options.graceMs ?? 2_000;
  const started: StartedPod[] = [];
  const lines: string[] = [];
  const roots = new Set<string>();
  const stops = new Set<() => Promise<void>>();
  /** The claims' directories, kept across pods until every pod stops. */
  let claimsRoot: string | undefined;
  const say = (pod: string, line: string) => {
    lines.push(`[${pod}] ${line}`);
    if (lines.length > MAX_OUTPUT_LINES) lines.splice(0, lines.length - MAX_OUTPUT_LINES);
  };

  const runner: PodRunner = async (pod: KubeObject, context): Promise<PodProcess> => {
    const container = arrayAt(pod, ['spec', 'containers']).find(isJsonObject);
    if (!container) throw new Error(`pod ${pod.metadata.name} has no container`);
    const root = await mkdtemp(path.join(os.tmpdir(), `gov-pod-${pod.metadata.name}-`));
    roots.add(root);
    let env: Record<string, string>;
    try {
      claimsRoot ??= await mkdtemp(path.join(os.tmpdir(), 'gov-claims-'));
      const mounts = await materialiseVolumes(pod, container, context, root, claimsRoot);
      env = containerEnvironment(pod, container, context, mounts);
    } catch (error) {
      await rm(root, { recursive: true, force: true });
      roots.delete(root);
      throw error;
    }
    // The spec's work dir is an emptyDir, rewritten under root; never a path of this machine.
    const workDir = env.GOV_WORK_DIR?.startsWith(root) ? env.GOV_WORK_DIR : path.join(root, 'work');
    await mkdir(workDir, { recursive: true });
    const child = spawn(process.execPath, ['--import', 'tsx', ENTRYPOINT], {
      cwd: RUNTIME_DIR,
      // A container sees its spec's environment only, not the test's (DATABASE_URL, KUBECONFIG).
      env: {
        PATH: process.env.PATH ?? '',
        ...env,
        GOV_LISTEN: `${context.podIp}:${portOf(env.GOV_LISTEN, APP_PORT)}`,
        GOV_LIVENESS_LISTEN: `${context.podIp}:${portOf(env.GOV_LIVENESS_LISTEN, LIVENESS_PORT)}`,
        GOV_WORK_DIR: workDir,
        ...(env.GOV_SCHEDULED_LISTEN
          ? {
              GOV_SCHEDULED_LISTEN: `${context.podIp}:${portOf(env.GOV_SCHEDULED_LISTEN, SCHEDULED_PORT)}`,
            }
          : {}),
      },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const name = pod.metadata.name;
    const pgid = child.pid ?? -1;
    const start = {
      namespace: pod.metadata.namespace ?? 'default',
      pod: name,
      podIp: context.podIp,
      pgid,
    };
    started.push(start);
    say(name, `started at ${context.podIp} as process group ${pgid}`);
    // What the kubelet would keep for pods/log: this container's lines, with their time.
    const own: PodLogLine[] = [];
    const keep = (line: string) => {
      say(name, line);
      own.push({ at: rfc3339Nano(new Date()), text: line });
      if (own.length > MAX_OUTPUT_LINES) own.splice(0, own.length - MAX_OUTPUT_LINES);
    };
    if (child.stdout) onOutputLines(child.stdout, keep);
    if (child.stderr) onOutputLines(child.stderr, keep);
    const exited = new Promise<number>((resolve) => {
      child.once('error', (error) => {
        say(name, `cannot start: ${error.message}`);
        resolve(127);
      });
      child.once('exit', (code, signal) => {
        say(name, `exited: ${signal ?? code}`);
        // A container's processes end with it, as its cgroup would see to.
        if (pgid > 0) signalGroup(pgid, 'SIGKILL');
        resolve(code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0));
      });
    });
    let ended = false;
    const alive = () => pgid > 0 && processesInGroup(pgid).length > 0;
    const stop = async () => {
      stops.delete(stop);
      // An ended group's id may belong to someone else by now: signal only a live one.
      if (pgid > 0 && !ended) {
        signalGroup(pgid, 'SIGTERM');
        if (!(await waitFor(() => !alive(), graceMs))) signalGroup(pgid, 'SIGKILL');
        await waitFor(() => !alive(), 5_000);
      }
      await exited;
      await rm(root, { recursive: true, force: true });
      roots.delete(root);
    };
    stops.add(stop);
    void exited.then(async () => {
      ended = true;
      stops.delete(stop);
      await rm(root, { recursive: true, force: true });
      roots.delete(root);
    });
    return { exited, stop, logs: () => own.slice() };
  };

  return {
    runner,
    started,
    alive: (start) => (start.pgid > 0 ? processesInGroup(start.pgid) : []),
    output: () => lines.join('\n'),
    async stopAll() {
      await Promise.all([...stops].map((stop) => stop()));
      await Promise.all([...roots].map((root) => rm(root, { recursive: true, force: true })));
      if (claimsRoot) await rm(claimsRoot, { recursive: true, force: true });
    },
  };
}
