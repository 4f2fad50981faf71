import {
  HttpMethod,
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
} from '@kubernetes/client-node';
import { FIELD_MANAGER } from './labels.ts';
import type { Manifest } from './manifests/types.ts';

/** HTTP status of a client-node error, if it is an API answer. */
export function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * client-node's object API with one more call: server-side apply of a
 * manifest's own JSON. Its `patch` runs the manifest through the typed
 * models' serializer, which knows fields by the generated names (`_from`,
 * `_default`) and silently drops a field spelt as the API spells it: an
 * ingress rule's `from` and a LimitRange's `default` were lost that way.
 */
class ManifestApi extends KubernetesObjectApi {
  static forConfig(kubeConfig: KubeConfig): ManifestApi {
    const api = kubeConfig.makeApiClient(ManifestApi);
    api.setDefaultNamespace(kubeConfig);
    return api;
  }

  async serverSideApply<T extends KubernetesObject>(
    manifest: Manifest,
    fieldManager: string,
  ): Promise<T> {
    const context = this.configuration.baseServer.makeRequestContext(
      await this.specUriPath(manifest as KubernetesObject, 'patch'),
      HttpMethod.PATCH,
    );
    context.setHeaderParam('Accept', 'application/json');
    context.setHeaderParam('Content-Type', PatchStrategy.ServerSideApply);
    context.setQueryParam('fieldManager', fieldManager);
    context.setQueryParam('force', 'true');
    // JSON is YAML: the apply content type takes it as it is.
    context.setBody(JSON.stringify(manifest));
    return this.requestPromise<T>(context);
  }
}

/**
 * The driver's writes to the cluster: server-side apply with one field
 * manager (the platform's desired state wins over a hand edit, so conflicts
 * are forced), deletes that cascade in the background, and a few retries on
 * what a busy API server answers (409, 429, 5xx). It counts its calls, for
 * the benchmark.
 */
export class KubeApi {
  readonly #objects: ManifestApi;
  readonly #log: (entry: Record<string, unknown>) => void;
  calls = 0;

  constructor(kubeConfig: KubeConfig, log: (entry: Record<string, unknown>) => void) {
    this.#objects = ManifestApi.forConfig(kubeConfig);
    this.#log = log;
  }

  /**
   * Server-side apply as the platform (or, for a field another part of the
   * driver owns alone, as `fieldManager`: a partial manifest applied by the
   * main manager would drop the fields it leaves out).
   */
  apply<T extends KubernetesObject = KubernetesObject>(
    manifest: Manifest,
    fieldManager = FIELD_MANAGER,
  ): Promise<T> {
    return this.#retry(`apply ${manifest.kind} ${manifest.metadata.name}`, () =>
      this.#objects.serverSideApply<T>(manifest, fieldManager),
    );
  }

  /** Reads an object, or undefined when it does not exist. */
  async read<T extends KubernetesObject = KubernetesObject>(ref: {
    apiVersion: string;
    kind: string;
    name: string;
    namespace?: string;
  }): Promise<T | undefined> {
    try {
      return (await this.#retry(`read ${ref.kind} ${ref.name}`, () =>
        this.#objects.read({
          apiVersion: ref.apiVersion,
          kind: ref.kind,
          metadata: { name: ref.name, namespace: ref.namespace ?? '' },
        }),
      )) as T;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** Deletes an object if it exists; its dependents go with it (background cascade). */
  async delete(ref: { apiVersion: string; kind: string; name: string; namespace?: string }) {
    try {
      await this.#retry(`delete ${ref.kind} ${ref.name}`, () =>
        this.#objects.delete(
          {
            apiVersion: ref.apiVersion,
            kind: ref.kind,
            metadata: { name: ref.name, namespace: ref.namespace },
          },
          undefined,
          undefined,
          undefined,
          undefined,
          'Background',
        ),
      );
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  }

  async #retry<T>(what: string, call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      this.calls += 1;
      try {
        return await call();
      } catch (error) {
        const status = statusOf(error);
        const transient =
          status === 409 || status === 429 || (status !== undefined && status >= 500);
        if (!transient || attempt >= 4) throw error;
        this.#log({
          level: 'warn',
          component: 'kubernetes',
          message: `${what}: HTTP ${status}, retrying`,
        });
        await sleep(100 * 2 ** attempt);
      }
    }
  }
}
