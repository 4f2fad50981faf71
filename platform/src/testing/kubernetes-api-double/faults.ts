import type { IncomingMessage } from 'node:http';
import { apiErrors, type KubernetesApiError } from './api-error.ts';

export interface FaultMatch {
  /** HTTP method to match (GET, POST, PUT, PATCH, DELETE); any when omitted. */
  method?: string;
  /** A substring of the request path and query; any when omitted. */
  pathIncludes?: string;
  status: 409 | 500;
}

export interface RecordedRequest {
  method: string;
  /** The path without the query string. */
  path: string;
  /** The query string, without `?`. */
  query: string;
  watch: boolean;
}

/**
 * Test hooks at the HTTP edge: every request is recorded (a benchmark
 * counts API calls with it), and queued faults answer matching requests
 * with an error before the double does anything else.
 */
export class FaultInjector {
  readonly requests: RecordedRequest[] = [];
  private readonly queued: { remaining: number; match: FaultMatch }[] = [];

  failNext(count: number, match: FaultMatch): void {
    this.queued.push({ remaining: count, match });
  }

  /** Records the request; returns the error to answer with if a queued fault matches it. */
  intercept(req: IncomingMessage, url: URL): KubernetesApiError | undefined {
    const watch = url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
    this.requests.push({
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.search.slice(1),
      watch,
    });
    const fault = this.queued.find(
      (f) =>
        f.remaining > 0 &&
        (!f.match.method || f.match.method.toUpperCase() === req.method) &&
        (!f.match.pathIncludes || `${url.pathname}${url.search}`.includes(f.match.pathIncludes)),
    );
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.queued.splice(this.queued.indexOf(fault), 1);
    return fault.match.status === 409
      ? apiErrors.plainConflict(
          'Operation cannot be fulfilled: conflict injected by the Kubernetes API double (failNext)',
        )
      : apiErrors.internal('error injected by the Kubernetes API double (failNext)');
  }
}
