import type { ApiErrorBody } from '@gov/contract';
import { bugError, UserError } from '../cli/errors.ts';

/** Where the API is and who is calling. The token is never printed. */
export interface ApiTarget {
  apiUrl: string;
  /** Absent only for the sign-in routes, which come before any token. */
  token?: string;
  /** Per request; an upload over a slow link needs the most. */
  timeoutMs: number;
}

/**
 * One authenticated JSON call to the Gov API. The API's error envelope
 * becomes a UserError carrying its code, message, hint and request id; a
 * refused or silent connection becomes the "cannot reach" UserError.
 *
 * @example
 * const { apps } = await apiRequest<{ apps: AppResource[] }>(
 *   { apiUrl: 'http://127.0.0.1:7070', token, timeoutMs: 60_000 },
 *   'GET',
 *   '/v1/ministries/sante/apps',
 * );
 */
export async function apiRequest<T>(
  target: ApiTarget,
  method: string,
  pathname: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  let res: Response;
  let text: string;
  // A timer of our own, not AbortSignal.timeout: that one does not keep the
  // process alive, so a request stuck on a connection the control plane
  // dropped would end the CLI silently (exit 13) instead of timing out.
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(Object.assign(new Error('timeout'), { name: 'TimeoutError' })),
    target.timeoutMs,
  );
  try {
    res = await fetch(`${target.apiUrl}${pathname}`, {
      method,
      headers: {
        ...(target.token ? { authorization: `Bearer ${target.token}` } : {}),
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: controller.signal,
    });
    text = await res.text();
  } catch (error) {
    throw unreachable(target, controller.signal.aborted ? controller.signal.reason : error);
  } finally {
    clearTimeout(timer);
  }
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  const requestId = res.headers.get('x-request-id') ?? undefined;
  if (!res.ok) throw errorFromAnswer(res.status, parsed, requestId);
  // 204 No Content: a delete that worked answers nothing, by design.
  if (res.status === 204) return undefined as T;
  if (parsed === undefined) {
    throw bugError(
      'unexpected_answer',
      `the API answered ${method} ${pathname} with HTTP ${res.status} but no JSON`,
      requestId,
    );
  }
  return parsed as T;
}

function isEnvelope(body: unknown): body is ApiErrorBody {
  const error = (body as { error?: unknown } | undefined)?.error;
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { message?: unknown }).message === 'string'
  );
}

/**
 * The API's envelope as a UserError, except `internal_error`: the platform's
 * own bug. Without an envelope (a proxy's 502 page), the HTTP status.
 */
export function errorFromAnswer(
  status: number,
  body: unknown,
  requestId: string | undefined,
): Error {
  if (isEnvelope(body)) {
    const { code, message, hint, requestId: id } = body.error;
    if (code === 'internal_error') return bugError(code, message, id ?? requestId);
    return new UserError(code, message, { hint, requestId: id ?? requestId });
  }
  return new UserError(`http_${status}`, `the API answered HTTP ${status}`, {
    hint:
      status >= 500
        ? 'the platform may be restarting: retry in a moment, then tell the platform team'
        : 'check --api-url / GOV_API_URL: it should point at the Gov API',
    requestId,
  });
}

function unreachable(target: ApiTarget, error: unknown): UserError {
  if ((error as { name?: unknown }).name === 'TimeoutError') {
    return new UserError(
      'unreachable',
      `the Gov API at ${target.apiUrl} did not answer within ${target.timeoutMs / 1000} s`,
      { hint: 'check that the platform is up (`npm start` locally), or set GOV_API_URL' },
    );
  }
  const cause = (error as { cause?: { code?: unknown } }).cause?.code;
  return new UserError(
    'unreachable',
    `cannot reach the Gov API at ${target.apiUrl}${typeof cause === 'string' ? ` (${cause})` : ''}`,
    { hint: 'start it with `npm start`, or set GOV_API_URL' },
  );
}
