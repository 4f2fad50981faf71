import { apiErrors } from './api-error.ts';
import { isJsonObject, type JsonObject } from './objects.ts';
import type { ResourceType } from './resource-types.ts';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

const objectMetaFields = new Set([
  'name',
  'generateName',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
  'selfLink',
]);

const topLevelFields: Record<string, string[]> = {
  Secret: ['data', 'stringData', 'type', 'immutable'],
  ConfigMap: ['data', 'binaryData', 'immutable'],
  ServiceAccount: ['secrets', 'imagePullSecrets', 'automountServiceAccountToken'],
  Event: [
    'involvedObject',
    'reason',
    'message',
    'source',
    'firstTimestamp',
    'lastTimestamp',
    'count',
    'type',
    'eventTime',
    'series',
    'action',
    'related',
    'reportingComponent',
    'reportingInstance',
  ],
  EndpointSlice: ['addressType', 'endpoints', 'ports'],
};

export function parseFieldValidation(value: string | null): FieldValidation {
  if (value === null || value === '') return 'Warn';
  if (value === 'Strict' || value === 'Warn' || value === 'Ignore') return value;
  throw apiErrors.badRequest(`fieldValidation must be one of Strict, Warn, Ignore (got ${value})`);
}

/**
 * Server-side field validation, to the depth this double knows schemas:
 * the top level of each kind and ObjectMeta. Deeper typos go unnoticed
 * (the double has no OpenAPI schemas). Strict answers 400 as the real
 * server does; Warn returns the messages for a `Warning` header.
 */
export function checkUnknownFields(
  type: ResourceType,
  body: JsonObject,
  mode: FieldValidation,
): string[] {
  if (mode === 'Ignore') return [];
  const known = new Set([
    'apiVersion',
    'kind',
    'metadata',
    ...(topLevelFields[type.kind] ?? ['spec', 'status']),
  ]);
  const unknown = Object.keys(body).filter((k) => !known.has(k));
  if (isJsonObject(body.metadata)) {
    unknown.push(
      ...Object.keys(body.metadata)
        .filter((k) => !objectMetaFields.has(k))
        .map((k) => `metadata.${k}`),
    );
  }
  const messages = unknown.map((f) => `unknown field "${f}"`);
  if (mode === 'Strict' && messages.length > 0) {
    throw apiErrors.badRequest(`strict decoding error: ${messages.join(', ')}`);
  }
  return messages;
}
