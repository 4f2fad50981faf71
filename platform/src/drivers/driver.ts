import type { WorkerSpec } from '@gov/runtime';

/** Everything a driver needs to run one version of an app: the workerd spec plus its owners. */
export interface VersionSpec extends Omit<WorkerSpec, 'id'> {
  deploymentId: string;
  appId: string;
  ministryId: string;
}

/**
 * What a driver reports about one version it manages. `idle` means scaled to
 * zero: known good, not running, started again on its next request.
 */
export interface ObservedVersion {
  deploymentId: string;
  appId: string;
  state: 'starting' | 'ready' | 'restarting' | 'idle';
}

/** A connection target for the gateway, held while a request is in flight. */
export interface Lease {
  host: string;
  port: number;
  /** Call when the response is finished, so idling and draining know. */
  release(): void;
}

/**
 * The contract both drivers keep: `local` (workerd processes on this
 * machine) and `kubernetes` (pods on the national cluster). Every method is
 * idempotent and safe to call again after a crash of the control plane.
 */
export interface ClusterDriver {
  /** Makes the version run and resolves once it is ready; rejects with the reason it could not start. */
  ensure(spec: VersionSpec): Promise<void>;
  /** Stops a version after its in-flight requests finish (bounded), and forgets it. */
  remove(deploymentId: string): Promise<void>;
  list(): Promise<ObservedVersion[]>;
  /** Where to send a request for this version, starting it first if it was scaled to zero. */
  acquire(deploymentId: string): Promise<Lease>;
  close(): Promise<void>;
}

export class DriverError extends Error {
  constructor(
    readonly code: 'start_failed' | 'unknown_version' | 'stopped',
    message: string,
  ) {
    super(message);
  }
}
