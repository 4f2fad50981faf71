/**
 * The platform's labels and annotations on every object it writes to the
 * cluster, defined here only: selectors, watches and pruning all read them.
 */
export const FIELD_MANAGER = 'gov-platform';

const PREFIX = 'gov.ml';

export const label = {
  managedBy: 'app.kubernetes.io/managed-by',
  name: 'app.kubernetes.io/name',
  component: 'app.kubernetes.io/component',
  ministry: `${PREFIX}/ministry`,
  ministryId: `${PREFIX}/ministry-id`,
  app: `${PREFIX}/app`,
  appId: `${PREFIX}/app-id`,
  deploymentId: `${PREFIX}/deployment-id`,
  version: `${PREFIX}/version`,
} as const;

export const annotation = {
  /** The spec generation (digest) an object was written from. */
  generation: `${PREFIX}/generation`,
  /** The version served citizens before: a failure is then never a verdict. */
  servedBefore: `${PREFIX}/served-before`,
  artifact: `${PREFIX}/artifact-sha256`,
  /**
   * A version with Durable Objects: `holding` (its pod has the app's objects'
   * volume), `waiting` (it will once the previous holder's pod is gone) or
   * `released` (it handed them to a newer version).
   */
  objects: `${PREFIX}/durable-objects`,
  /** On the app record: the version whose pod holds the app's Durable Objects (see objects-holder.ts). */
  objectsHolder: `${PREFIX}/durable-objects-holder`,
} as const;

/** The field manager of the objects' holder annotation: the platform's main manager never writes it. */
export const OBJECTS_FIELD_MANAGER = 'gov-platform-objects';

/** The value of `app.kubernetes.io/managed-by` on everything the platform writes. */
export const MANAGED_BY = 'gov-platform';

/** Selects every object the platform manages, in every namespace. */
export const managedSelector = `${label.managedBy}=${MANAGED_BY}`;

/** A ministry's namespace: one per ministry, named after its slug. */
export function ministryNamespace(ministry: string): string {
  return `gov-${ministry}`;
}

/** Kubernetes names of one app version: `<app>-v<version>`, within 63 characters. */
export function versionName(app: string, version: number): string {
  return `${app}-v${version}`;
}

/** The claim holding an app's Durable Objects: every version of the app mounts it, one at a time. */
export function objectsClaimName(app: string): string {
  return `gov-objects-${app}`;
}

/** The per-app object every version hangs from: deleting it removes the app's versions. */
export function appRecordName(app: string): string {
  return `gov-app-${app}`;
}
