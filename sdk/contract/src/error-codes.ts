/**
 * The closed set of API error codes and the HTTP status each answers with.
 * Clients (the CLI, the admin panel) branch on these, never on messages, so
 * adding one is an API change.
 */
export const errorStatus = {
  invalid_json: 400,
  invalid_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  quota_exceeded: 403,
  not_found: 404,
  conflict: 409,
  bundle_too_large: 413,
  unsupported_media_type: 415,
  invalid_bundle: 422,
  rate_limited: 429,
  internal_error: 500,
  unavailable: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

/** The one error envelope every API error answers with. */
export interface ApiErrorBody {
  error: { code: ErrorCode; message: string; hint?: string; requestId: string };
}
