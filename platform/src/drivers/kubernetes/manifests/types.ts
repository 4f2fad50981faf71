/** A manifest as the driver applies it: apiVersion, kind, metadata and the rest. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: OwnerReference[];
  };
  [field: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

/** Where the platform itself runs, so that ministries' network policies can let it in and out. */
export interface PlatformPlacement {
  namespace: string;
  /** Labels of the gateway's pods: the only ones allowed to reach app pods. */
  gatewayPodLabels: Record<string, string>;
  /** Labels of the control plane's pods: app pods fetch their code there. */
  controlPlanePodLabels: Record<string, string>;
  controlPlanePort: number;
  /** The storage service's pods and port, where the cluster has one: apps' bindings reach it. */
  storage?: { podLabels: Record<string, string>; port: number };
  /** The gateway's service binding relay port, where the cluster has one: apps' service bindings reach it. */
  serviceRelayPort?: number;
}

export function ownedBy(owner: Manifest & { metadata: { uid?: string } }): OwnerReference {
  if (!owner.metadata.uid) throw new Error(`${owner.kind} ${owner.metadata.name} has no uid yet`);
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/**
 * A manifest checked against the Kubernetes API types at compile time: an
 * object literal with a misspelt or unknown field does not compile (the
 * runtime validation in the tests then checks types, enums and required
 * fields against the OpenAPI schemas).
 */
export function typed<T extends { apiVersion?: string; kind?: string; metadata?: object }>(
  manifest: T & { apiVersion: string; kind: string },
): Manifest {
  return manifest as unknown as Manifest;
}
