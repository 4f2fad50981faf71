import { z } from 'zod';

/**
 * Text a person types for other people to read (a ministry's name, a token's
 * label): printable only. Control characters (NUL, escape sequences, line
 * breaks) and lone surrogates are refused at the edge, so what is stored is
 * exactly what is shown, and storing it can never fail.
 */
export function humanText(min: number, max: number) {
  return z
    .string()
    .trim()
    .min(min)
    .max(max)
    .refine((s) => s.isWellFormed(), 'must be valid Unicode text')
    .refine(
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused.
      (s) => !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(s),
      'must not contain control characters or line breaks',
    );
}

/** Largest integer a version number, a day count or a cursor may be: PostgreSQL's integer. */
export const MAX_INT32 = 2_147_483_647;

/** Deeper JSON than any request of the API needs is refused outright. */
export const MAX_JSON_DEPTH = 64;

/** How deep a JSON value nests (0 for a scalar), stopping past `limit`. */
export function jsonDepth(value: unknown, limit = MAX_JSON_DEPTH + 1): number {
  if (value === null || typeof value !== 'object') return 0;
  if (limit <= 0) return 1;
  let deepest = 0;
  for (const v of Object.values(value)) deepest = Math.max(deepest, jsonDepth(v, limit - 1));
  return deepest + 1;
}

/** True when a value, at any depth, holds a string PostgreSQL cannot store (NUL, lone surrogate). */
export function hasUnstorableText(value: unknown, depth = 0): boolean {
  if (depth > MAX_JSON_DEPTH) return false;
  if (typeof value === 'string') return value.includes('\u0000') || !value.isWellFormed();
  if (Array.isArray(value)) return value.some((v) => hasUnstorableText(v, depth + 1));
  if (value && typeof value === 'object') {
    return Object.entries(value).some(
      ([k, v]) => hasUnstorableText(k, depth + 1) || hasUnstorableText(v, depth + 1),
    );
  }
  return false;
}
