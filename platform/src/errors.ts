import { type ErrorCode, errorStatus } from '@gov/contract';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

export type { ErrorCode };

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, hint?: string) {
    super(message);
    this.code = code;
    this.hint = hint;
  }

  get status(): ContentfulStatusCode {
    return errorStatus[this.code] as ContentfulStatusCode;
  }
}

export function notFound(what: string, hint?: string): ApiError {
  return new ApiError('not_found', `${what} was not found`, hint);
}
