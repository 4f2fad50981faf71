import { hasUnstorableText, jsonDepth, MAX_JSON_DEPTH } from '@gov/contract';
import type { Context } from 'hono';
import type { z } from 'zod';
import { ApiError } from '../errors.ts';

/** Bodies of ordinary API requests are small; bundles have their own, larger cap. */
export const MAX_JSON_BODY_BYTES = 64 * 1024;

/** Reads the body as text without trusting Content-Length, refusing it past `maxBytes`. */
export async function readBodyText(c: Context, maxBytes: number, tooLarge: () => ApiError) {
  const declared = Number(c.req.header('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  const body = c.req.raw.body;
  if (!body) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > maxBytes) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses a JSON body and validates it; every failure becomes a 4xx naming the field. */
export async function parseJsonBody<S extends z.ZodType>(
  c: Context,
  schema: S,
  options: {
    maxBytes?: number;
    tooLarge?: () => ApiError;
    invalidCode?: 'invalid_request' | 'invalid_bundle';
  } = {},
): Promise<z.infer<S>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new ApiError(
      'unsupported_media_type',
      'the request body must be JSON',
      'send the header "Content-Type: application/json"',
    );
  }
  const maxBytes = options.maxBytes ?? MAX_JSON_BODY_BYTES;
  const text = await readBodyText(
    c,
    maxBytes,
    options.tooLarge ??
      (() => new ApiError('invalid_request', `the request body is larger than ${maxBytes} bytes`)),
  );
  let value: unknown;
  try {
    value = text === '' ? undefined : JSON.parse(text);
  } catch (error) {
    throw new ApiError(
      'invalid_json',
      `the request body is not valid JSON: ${(error as Error).message}`,
    );
  }
  if (jsonDepth(value) > MAX_JSON_DEPTH) {
    throw new ApiError(
      options.invalidCode ?? 'invalid_request',
      `the request body nests deeper than ${MAX_JSON_DEPTH} levels`,
    );
  }
  if (hasUnstorableText(value)) {
    throw new ApiError(
      options.invalidCode ?? 'invalid_request',
      'the request body contains a NUL character or a lone surrogate',
      'send valid UTF-8 text without control characters',
    );
  }
  return validate(schema, value, options.invalidCode ?? 'invalid_request');
}

export function validate<S extends z.ZodType>(
  schema: S,
  value: unknown,
  code: 'invalid_request' | 'invalid_bundle' = 'invalid_request',
): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const first = result.error.issues.slice(0, 5).map((issue) => {
    const where = issue.path.length ? issue.path.join('.') : 'body';
    return `${where}: ${issue.message}`;
  });
  // A misspelt field is answered with the fields there are, so the fix is one look away.
  const shape = (schema as { shape?: Record<string, unknown> }).shape;
  const misspelt = result.error.issues.some(
    (issue) => issue.code === 'unrecognized_keys' && issue.path.length === 0,
  );
  const hint = misspelt && shape ? `the fields are: ${Object.keys(shape).join(', ')}` : undefined;
  throw new ApiError(code, first.join('; '), hint);
}
