import { Ajv, type ErrorObject } from 'ajv';
import ajvFormats from 'ajv-formats';

export class ValuesError extends Error {
  readonly code = 'invalid_values';
}

type Values = Record<string, unknown>;

const isTable = (v: unknown): v is Values =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Helm's coalescing of user values over the chart's: tables merge key by
 * key, anything else (lists included) replaces, and null deletes a key the
 * chart's values have.
 */
export function coalesceValues(chart: Values, ...overrides: Values[]): Values {
  return overrides.reduce<Values>(
    (merged, user) => mergeTable(merged, user),
    structuredClone(chart),
  );
}

function mergeTable(base: Values, user: Values): Values {
  const out: Values = { ...base };
  for (const [key, value] of Object.entries(user)) {
    if (value === null && key in base) delete out[key];
    else if (isTable(value) && isTable(base[key])) out[key] = mergeTable(base[key], value);
    else out[key] = structuredClone(value);
  }
  return out;
}

/** `controlPlane.replicas` from `/controlPlane/replicas`, with the property a message is about. */
function describe(error: ErrorObject): string {
  const path = error.instancePath.split('/').slice(1).join('.');
  const params = error.params as Record<string, unknown>;
  const where = (extra?: unknown) => [path, extra].filter(Boolean).join('.') || '(root)';
  switch (error.keyword) {
    case 'required':
      return `${where(params.missingProperty)}: is required`;
    case 'additionalProperties':
      return `${where(params.additionalProperty)}: is not a value of this chart`;
    case 'minLength':
      return params.limit === 1 ? `${where()}: must not be empty` : `${where()}: ${error.message}`;
    case 'enum':
      return `${where()}: must be one of ${(params.allowedValues as unknown[]).join(', ')}`;
    default:
      return `${where()}: ${error.message}`;
  }
}

/**
 * Checks values against the chart's values.schema.json, as Helm does before
 * rendering, with Ajv (JSON Schema draft-07, formats from ajv-formats).
 * Throws one ValuesError listing every problem by its values path.
 */
export function validateValues(chartName: string, schema: object, values: Values): void {
  const ajv = new Ajv({ allErrors: true, strict: true });
  ajvFormats.default(ajv);
  const validate = ajv.compile(schema);
  if (validate(values)) return;
  const errors = validate.errors ?? [];
  // An empty string also fails its pattern: say only that it is empty.
  const empty = new Set(errors.filter((e) => e.keyword === 'minLength').map((e) => e.instancePath));
  const problems = [
    ...new Set(
      errors.filter((e) => !(e.keyword === 'pattern' && empty.has(e.instancePath))).map(describe),
    ),
  ];
  throw new ValuesError(
    `values don't meet the specifications of the schema of chart ${chartName}:\n${problems
      .map((p) => `- ${p}`)
      .join('\n')}`,
  );
}
