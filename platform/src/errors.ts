import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * The closed set of API error codes. Clients (the CLI, the admin panel)
 * branch on these, never on messages, so adding one is an API change.
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
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof errorStatus;

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, hint?: string) {
    super(message);
    this.code = code;
    this.hint = hint;
  }

  get status(): ContentfulStatusCode {
    return errorStatus[this.code];
  }
}

export function notFound(what: string, hint?: string): ApiError {
  return new ApiError('not_found', `${what} was not found`, hint);
}
