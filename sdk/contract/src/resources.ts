/**
 * The resources the API returns, as JSON. The platform's routes build these
 * from database rows; the SDK's typed client reads them: one shape for both.
 */

export interface MinistryResource {
  id: string;
  /** Slug used in URLs and hostnames, e.g. "sante". */
  name: string;
  /** Human name in French, e.g. "Ministère de la Santé". */
  displayName: string;
  createdAt: string;
}

export interface AppResource {
  id: string;
  ministry: string;
  /** Slug used in URLs and hostnames, e.g. "etat-civil". */
  name: string;
  /** Citizen URL through the gateway. */
  url: string;
  /** Version the ministry asked to serve (last deploy or rollback), null before the first deploy. */
  desiredVersion: number | null;
  /** Version the gateway routes citizens to right now, null when nothing serves yet. */
  liveVersion: number | null;
  createdAt: string;
}

export const deploymentStatuses = [
  'pending',
  'starting',
  'ready',
  'degraded',
  'failed',
  'stopped',
  'superseded',
] as const;
/**
 * Observed status of a version, written only by the reconciler:
 * - pending: accepted, not started yet;
 * - starting: its instances are starting for the first time;
 * - ready: it passed its readiness check (and serves, if it is live);
 * - degraded: it was ready and should still serve, but is not available right
 *   now (crash loop, failed restart); the platform keeps retrying, see conditions;
 * - failed: it never became ready (see statusReason); terminal;
 * - stopped: it served once and was replaced; it can be rolled back to;
 * - superseded: a newer version was asked for before this one went live.
 */
export type DeploymentStatus = (typeof deploymentStatuses)[number];

/** Why a version is not available, machine-readable, the same on every driver. */
export const failureReasons = [
  'start_error',
  'start_timeout',
  'health_check',
  'crash_loop',
  'unresponsive',
  'memory_limit',
  'artifact_invalid',
  'image_pull',
  'quota_exceeded',
  'rollout_deadline',
] as const;
export type FailureReason = (typeof failureReasons)[number];

/**
 * One observed condition of a version, in the style of Kubernetes conditions:
 * Available (instances answer), Progressing (a start or restart is under way),
 * Failed (it cannot run; `reason` says why).
 */
export interface DeploymentCondition {
  type: 'Available' | 'Progressing' | 'Failed';
  status: boolean;
  reason: FailureReason | null;
  /** First meaningful lines only; the full text is the deployment's statusDetail. */
  message: string | null;
  /** When status last changed. */
  since: string;
}

export const deploymentEventTypes = [
  'started',
  'start_failed',
  'crashed',
  'restarted',
  'restart_failed',
  'memory_limit',
  'unresponsive',
  'recycled',
  'egress_denied',
  'logs_dropped',
  'scaled_to_zero',
  'woke',
  'wake_failed',
] as const;
export type DeploymentEventType = (typeof deploymentEventTypes)[number];

/** Something that happened to a running version: kept so developers and operators can see it. */
export interface DeploymentEventResource {
  at: string;
  type: DeploymentEventType;
  message: string;
  /** How many times it happened in a row, when repeats were folded into one event. */
  count: number;
}

export interface DeploymentResource {
  id: string;
  app: string;
  ministry: string;
  version: number;
  status: DeploymentStatus;
  /** One line a developer can act on; null when there is nothing to say. */
  statusReason: string | null;
  /** The full text behind statusReason (workerd's output, bounded), for `--verbose`. */
  statusDetail: string | null;
  conditions: DeploymentCondition[];
  /** Instances asked for and instances answering now (0 ready when scaled to zero). */
  instances: { desired: number; ready: number };
  /** True when the gateway routes citizens to this version. */
  live: boolean;
  /**
   * True when the app asks for this version (its last deploy or rollback):
   * a stopped or superseded version that is desired again is about to start.
   */
  desired: boolean;
  artifact: { sha256: string; bundleBytes: number };
  compatibilityDate: string;
  createdAt: string;
  /** Who deployed it (a member or token id). */
  createdBy: string | null;
  readyAt: string | null;
}

/** An audit record as the API serves it. */
export interface AuditRecordResource extends Omit<import('./audit-chain.ts').AuditRecord, 'at'> {
  at: string;
}

/** What one log line says: an app's own output, an uncaught exception, a request, or the platform. */
export type AppLogKind = 'console' | 'exception' | 'request' | 'platform';

/** One line of an app's logs (`gov logs`), kept per version, never mixed between apps. */
export interface AppLogEntry {
  /** Sortable: later lines have greater ids; `after=<id>` reads what came since. */
  id: string;
  at: string;
  deploymentId: string;
  kind: AppLogKind;
  /** For console lines: where the app wrote it. */
  stream?: 'stdout' | 'stderr';
  message: string;
  /** For request lines: what the gateway saw (the path without its query, which may hold personal data). */
  request?: { method: string; path: string; status: number; durationMs: number; requestId: string };
}
