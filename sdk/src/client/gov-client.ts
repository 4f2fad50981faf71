import type { AppResource, DeploymentResource } from '../../../platform/src/routes/resources.ts';
import type { BundleInput } from '../../../runtime/src/bundle.ts';
import { UserError } from '../cli/errors.ts';

export type { AppResource, DeploymentResource };

interface ErrorEnvelope {
  error?: { code?: string; message?: string; hint?: string; requestId?: string };
}

/**
 * Typed client for the Gov control-plane API.
 *
 * @example
 * const gov = new GovClient('http://127.0.0.1:7070', process.env.GOV_TOKEN ?? '');
 * const { apps } = await gov.listApps('sante');
 */
export class GovClient {
  constructor(
    readonly apiUrl: string,
    readonly token: string,
  ) {}

  /** Creates the app, or returns undefined when it already exists. */
  async createApp(ministry: string, name: string): Promise<AppResource | undefined> {
    try {
      return await this.#call<AppResource>('POST', `/v1/ministries/${enc(ministry)}/apps`, {
        name,
      });
    } catch (error) {
      if (error instanceof UserError && error.code === 'conflict') return undefined;
      throw error;
    }
  }

  getApp(ministry: string, app: string): Promise<AppResource> {
    return this.#call('GET', `/v1/ministries/${enc(ministry)}/apps/${enc(app)}`);
  }

  listApps(ministry: string): Promise<{ apps: AppResource[] }> {
    return this.#call('GET', `/v1/ministries/${enc(ministry)}/apps`);
  }

  createDeployment(
    ministry: string,
    app: string,
    bundle: BundleInput,
  ): Promise<DeploymentResource> {
    return this.#call(
      'POST',
      `/v1/ministries/${enc(ministry)}/apps/${enc(app)}/deployments`,
      bundle,
    );
  }

  getDeployment(
    ministry: string,
    app: string,
    version: number | string,
  ): Promise<DeploymentResource> {
    return this.#call(
      'GET',
      `/v1/ministries/${enc(ministry)}/apps/${enc(app)}/deployments/${enc(String(version))}`,
    );
  }

  listDeployments(ministry: string, app: string): Promise<{ deployments: DeploymentResource[] }> {
    return this.#call('GET', `/v1/ministries/${enc(ministry)}/apps/${enc(app)}/deployments`);
  }

  rollback(ministry: string, app: string, version?: number): Promise<DeploymentResource> {
    return this.#call(
      'POST',
      `/v1/ministries/${enc(ministry)}/apps/${enc(app)}/rollback`,
      version === undefined ? {} : { version },
    );
  }

  /** Any API route, for commands the typed methods above do not cover yet. */
  raw<T>(method: string, pathname: string, body?: unknown): Promise<T> {
    return this.#call(method, pathname, body);
  }

  async #call<T>(method: string, pathname: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.apiUrl}${pathname}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new UserError(
        'unreachable',
        `cannot reach the Gov API at ${this.apiUrl} (${causeOf(error)})`,
        {
          hint: 'start it with `npm start`, or set GOV_API_URL',
        },
      );
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const e = (parsed as ErrorEnvelope | undefined)?.error;
      throw new UserError(
        e?.code ?? `http_${res.status}`,
        e?.message ?? `the API answered HTTP ${res.status}`,
        {
          hint: e?.hint,
          requestId: e?.requestId ?? res.headers.get('x-request-id') ?? undefined,
        },
      );
    }
    return parsed as T;
  }
}

const enc = encodeURIComponent;

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
