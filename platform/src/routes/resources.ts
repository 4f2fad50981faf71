/**
 * The resources the API returns, as JSON. Routes build these from database
 * rows; the sdk's typed client imports them (type-only) so that both sides
 * agree on one shape.
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

export const deploymentStatuses = ['pending', 'starting', 'ready', 'failed', 'stopped'] as const;
/**
 * Observed status of a version, written only by the reconciler:
 * pending (accepted, not yet started), starting, ready (passed its readiness
 * check), failed (see statusReason; terminal), stopped (superseded and no
 * longer running; can still be rolled back to).
 */
export type DeploymentStatus = (typeof deploymentStatuses)[number];

export interface DeploymentResource {
  id: string;
  app: string;
  ministry: string;
  version: number;
  status: DeploymentStatus;
  statusReason: string | null;
  /** True when the gateway routes citizens to this version. */
  live: boolean;
  artifact: { sha256: string; bundleBytes: number };
  compatibilityDate: string;
  createdAt: string;
  readyAt: string | null;
}

export interface ApiErrorBody {
  error: { code: string; message: string; hint?: string; requestId: string };
}
