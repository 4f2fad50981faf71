import type {
  AppResource,
  BundleInput,
  DeploymentEventResource,
  DeploymentResource,
  MinistryResource,
} from '@gov/contract';
import { isUserError } from '../cli/errors.ts';
import { type ApiTarget, apiRequest } from './api-request.ts';

export type { AppResource, DeploymentEventResource, DeploymentResource, MinistryResource };

const enc = encodeURIComponent;

/**
 * Typed client for the Gov control-plane API. Failures are UserErrors
 * carrying the API's code, message, hint and request id.
 *
 * @example
 * const gov = new GovClient('http://127.0.0.1:7070', process.env.GOV_TOKEN ?? '');
 * const { apps } = await gov.listApps('sante');
 * const app = await gov.getApp('sante', 'etat-civil');
 * console.log(app.url, app.liveVersion);
 */
export class GovClient {
  readonly apiUrl: string;
  // Private so that logging the client can never print the token.
  readonly #target: ApiTarget;

  constructor(apiUrl: string, token: string, options: { timeoutMs?: number } = {}) {
    this.apiUrl = apiUrl.replace(/\/+$/, '');
    this.#target = { apiUrl: this.apiUrl, token, timeoutMs: options.timeoutMs ?? 60_000 };
  }

  /** Creates the app; returns undefined when it already exists (409 conflict). */
  async createApp(ministry: string, name: string): Promise<AppResource | undefined> {
    try {
      return await this.raw<AppResource>('POST', `/v1/ministries/${enc(ministry)}/apps`, { name });
    } catch (error) {
      if (isUserError(error) && error.code === 'conflict') return undefined;
      throw error;
    }
  }

  /** The ministries the caller can act in (every ministry, for an operator). */
  listMinistries(): Promise<{ ministries: MinistryResource[] }> {
    return this.raw('GET', '/v1/ministries');
  }

  getApp(ministry: string, app: string): Promise<AppResource> {
    return this.raw('GET', `/v1/ministries/${enc(ministry)}/apps/${enc(app)}`);
  }

  listApps(ministry: string): Promise<{ apps: AppResource[] }> {
    return this.raw('GET', `/v1/ministries/${enc(ministry)}/apps`);
  }

  /**
   * Uploads a bundle as the app's next version: 202, status "pending". With
   * an idempotency key, sending the same upload again (after a lost answer)
   * returns the version the first one created instead of a second one.
   */
  createDeployment(
    ministry: string,
    app: string,
    bundle: BundleInput,
    options: { idempotencyKey?: string } = {},
  ): Promise<DeploymentResource> {
    return this.raw(
      'POST',
      `/v1/ministries/${enc(ministry)}/apps/${enc(app)}/deployments`,
      bundle,
      options.idempotencyKey ? { 'idempotency-key': options.idempotencyKey } : {},
    );
  }

  /** What happened to a version while it ran (crashes, restarts...), newest first. */
  listDeploymentEvents(
    ministry: string,
    app: string,
    version: number,
  ): Promise<{ events: DeploymentEventResource[] }> {
    return this.raw(
      'GET',
      `/v1/ministries/${enc(ministry)}/apps/${enc(app)}/deployments/${enc(String(version))}/events`,
    );
  }

  getDeployment(ministry: string, app: string, version: number): Promise<DeploymentResource> {
    return this.raw(
      'GET',
      `/v1/ministries/${enc(ministry)}/apps/${enc(app)}/deployments/${enc(String(version))}`,
    );
  }

  /** Newest first. */
  listDeployments(ministry: string, app: string): Promise<{ deployments: DeploymentResource[] }> {
    return this.raw('GET', `/v1/ministries/${enc(ministry)}/apps/${enc(app)}/deployments`);
  }

  /** Serves `version` again; without it, the last ready version before the live one. */
  rollback(ministry: string, app: string, version?: number): Promise<DeploymentResource> {
    return this.raw(
      'POST',
      `/v1/ministries/${enc(ministry)}/apps/${enc(app)}/rollback`,
      version === undefined ? {} : { version },
    );
  }

  /** Any API route, for commands the typed methods above do not cover. */
  raw<T>(
    method: string,
    pathname: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    return apiRequest<T>(this.#target, method, pathname, body, headers);
  }
}
