import { groupKindOf, groupResourceOf, type ResourceType } from './resource-types.ts';

/** One `metav1.Status` failure: the body every error response of the real server carries. */
export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    uid?: string;
    causes?: { type?: string; message: string; field?: string }[];
    retryAfterSeconds?: number;
  };
  code: number;
}

/**
 * An error the double answers with, built by the same constructors as
 * k8s.io/apimachinery/pkg/api/errors so that messages match what clients
 * (and the people reading their logs) see from a real cluster.
 */
export class KubernetesApiError extends Error {
  constructor(readonly status: StatusBody) {
    super(status.message);
  }
}

function failure(
  code: number,
  reason: string,
  message: string,
  details?: StatusBody['details'],
): KubernetesApiError {
  return new KubernetesApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  });
}

function resourceDetails(type: ResourceType, name: string) {
  return { name, group: type.group, kind: type.plural };
}

export const apiErrors = {
  notFound(type: ResourceType, name: string) {
    return failure(
      404,
      'NotFound',
      `${groupResourceOf(type)} "${name}" not found`,
      resourceDetails(type, name),
    );
  },
  pathNotFound() {
    return failure(404, 'NotFound', 'the server could not find the requested resource', {});
  },
  alreadyExists(type: ResourceType, name: string) {
    return failure(
      409,
      'AlreadyExists',
      `${groupResourceOf(type)} "${name}" already exists`,
      resourceDetails(type, name),
    );
  },
  conflict(type: ResourceType, name: string, why: string) {
    return failure(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${groupResourceOf(type)} "${name}": ${why}`,
      resourceDetails(type, name),
    );
  },
  staleResourceVersion(type: ResourceType, name: string) {
    return apiErrors.conflict(
      type,
      name,
      'the object has been modified; please apply your changes to the latest version and try again',
    );
  },
  plainConflict(message: string) {
    return failure(409, 'Conflict', message, {});
  },
  applyConflict(message: string, causes: { message: string; field: string }[]) {
    return failure(409, 'Conflict', message, {
      causes: causes.map((c) => ({ type: 'FieldManagerConflict', ...c })),
    });
  },
  forbidden(type: ResourceType, name: string, why: string) {
    const subject = name ? `${groupResourceOf(type)} "${name}"` : groupResourceOf(type);
    return failure(
      403,
      'Forbidden',
      `${subject} is forbidden: ${why}`,
      resourceDetails(type, name),
    );
  },
  invalid(type: ResourceType, name: string, causes: { field: string; message: string }[]) {
    const list = causes.map((c) => `${c.field}: ${c.message}`);
    const summary = list.length === 1 ? list[0] : `[${list.join(', ')}]`;
    return failure(422, 'Invalid', `${groupKindOf(type)} "${name}" is invalid: ${summary}`, {
      name,
      group: type.group,
      kind: type.kind,
      causes: causes.map((c) => ({ type: 'FieldValueInvalid', ...c })),
    });
  },
  unprocessable(message: string) {
    return failure(422, 'Invalid', message);
  },
  badRequest(message: string) {
    return failure(400, 'BadRequest', message);
  },
  methodNotAllowed(message = 'the server does not allow this method on the requested resource') {
    return failure(405, 'MethodNotAllowed', message, {});
  },
  unsupportedMediaType(contentType: string) {
    return failure(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json (got ${contentType})`,
    );
  },
  jsonOnly(contentType: string) {
    return failure(
      415,
      'UnsupportedMediaType',
      `the Kubernetes API double accepts JSON bodies only (got ${contentType}); kubectl's typed commands (create namespace/configmap/secret/deployment, run, expose) send protobuf: use kubectl create -f or apply -f instead`,
    );
  },
  expired(message: string) {
    return failure(410, 'Expired', message);
  },
  internal(message: string) {
    return failure(500, 'InternalError', `Internal error occurred: ${message}`, {
      causes: [{ message }],
    });
  },
};
