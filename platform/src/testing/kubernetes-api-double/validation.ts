import { apiErrors } from './api-error.ts';
import { deepEqual, isJsonObject, type KubeObject, objectAt } from './objects.ts';
import type { ResourceType } from './resource-types.ts';
import { labelSelectorObjectMatches } from './selectors.ts';

interface Cause {
  field: string;
  message: string;
}

const subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
/** Kinds whose names become DNS labels (a namespace, a service's DNS name). */
const labelNamed = new Set(['Namespace', 'Service']);

function invalidValue(value: unknown): string {
  return `Invalid value: ${JSON.stringify(value)}`;
}

function validateName(type: ResourceType, name: string, causes: Cause[]): void {
  if (labelNamed.has(type.kind)) {
    if (name.length > 63 || !label.test(name)) {
      causes.push({
        field: 'metadata.name',
        message: `${invalidValue(name)}: a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
      });
    }
  } else if (name.length > 253 || !subdomain.test(name)) {
    causes.push({
      field: 'metadata.name',
      message: `${invalidValue(name)}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    });
  }
}

function validateContainers(spec: unknown, field: string, causes: Cause[]): void {
  const containers = isJsonObject(spec) ? spec.containers : undefined;
  if (!Array.isArray(containers) || containers.length === 0) {
    causes.push({ field: `${field}.containers`, message: 'Required value' });
    return;
  }
  const seen = new Set<string>();
  containers.forEach((c, i) => {
    const at = `${field}.containers[${i}]`;
    if (!isJsonObject(c) || typeof c.name !== 'string' || c.name === '') {
      causes.push({ field: `${at}.name`, message: 'Required value' });
      return;
    }
    if (seen.has(c.name))
      causes.push({ field: `${at}.name`, message: `Duplicate value: ${JSON.stringify(c.name)}` });
    seen.add(c.name);
    if (typeof c.image !== 'string' || c.image === '') {
      causes.push({ field: `${at}.image`, message: 'Required value' });
    }
  });
}

/**
 * The validation a driver can trip over: names, label values, a
 * Deployment's selector against its template, the immutable selector,
 * required containers and images, service ports. Answers 422 Invalid with
 * the field paths and wording of the real validators.
 */
export function validateObject(
  type: ResourceType,
  object: KubeObject,
  previous?: KubeObject,
): void {
  const causes: Cause[] = [];
  validateName(type, object.metadata.name, causes);
  for (const [key, value] of Object.entries(object.metadata.labels ?? {})) {
    if (typeof value !== 'string' || value.length > 63 || !labelValue.test(value)) {
      causes.push({
        field: `metadata.labels`,
        message: `${invalidValue(value)}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (label ${key})`,
      });
    }
  }
  const spec = objectAt(object, ['spec']);
  if (type.kind === 'Deployment') {
    const selector = spec?.selector;
    const templateLabels = objectAt(spec, ['template', 'metadata', 'labels']) as
      | Record<string, string>
      | undefined;
    if (!isJsonObject(selector)) {
      causes.push({ field: 'spec.selector', message: 'Required value' });
    } else if (!labelSelectorObjectMatches(selector, templateLabels)) {
      causes.push({
        field: 'spec.template.metadata.labels',
        message: `${invalidValue(templateLabels ?? {})}: \`selector\` does not match template \`labels\``,
      });
    } else if (previous && !deepEqual(selector, objectAt(previous, ['spec', 'selector']))) {
      causes.push({
        field: 'spec.selector',
        message: `${invalidValue(selector)}: field is immutable`,
      });
    }
    if (typeof spec?.replicas === 'number' && spec.replicas < 0) {
      causes.push({
        field: 'spec.replicas',
        message: `${invalidValue(spec.replicas)}: must be greater than or equal to 0`,
      });
    }
    validateContainers(objectAt(spec, ['template', 'spec']), 'spec.template.spec', causes);
  }
  if (type.kind === 'Pod') validateContainers(spec, 'spec', causes);
  if (type.kind === 'Service' && Array.isArray(spec?.ports)) {
    spec.ports.forEach((p, i) => {
      const port = isJsonObject(p) ? p.port : undefined;
      if (typeof port !== 'number' || port < 1 || port > 65535) {
        causes.push({
          field: `spec.ports[${i}].port`,
          message: `${invalidValue(port)}: must be between 1 and 65535, inclusive`,
        });
      }
    });
  }
  if (causes.length > 0) throw apiErrors.invalid(type, object.metadata.name, causes);
}
