import { randomBytes } from 'node:crypto';
import { fetchSecrets, runScheduled, type ScheduledOutcome } from '@gov/runtime';
import {
  AppsV1Api,
  CoreV1Api,
  DiscoveryV1Api,
  type KubeConfig,
  type KubernetesObject,
  makeInformer,
  type V1Deployment,
  type V1EndpointSlice,
  type V1Pod,
  type V1Secret,
} from '@kubernetes/client-node';
import { serviceBindingHeaders } from '../../gateway/service-relay.ts';
import type { StorageClient } from '../../storage/storage-client.ts';
import {
  type AppRoute,
  type ClusterDriver,
  type CollectedLogs,
  DriverError,
  type DriverInfo,
  type DriverWatchEvent,
  type Endpoint,
  type EndpointResolver,
  type MinistrySpec,
  type ObservedVersion,
  type ProvidedBindings,
  type ScheduledRequest,
  type SqlAnswer,
  type SqlRequest,
  type VersionSpec,
  type Watch,
} from '../driver.ts';
import { Semaphore } from '../local/agent/semaphore.ts';
import { logKindOf } from '../log-kind.ts';
import { KubeApi } from './kube-api.ts';
import {
  annotation,
  appRecordName,
  label,
  managedSelector,
  ministryNamespace,
  OBJECTS_FIELD_MANAGER,
  versionName,
} from './labels.ts';
import { ministryManifests } from './manifests/ministry.ts';
import { SCHEDULED_PORT } from './manifests/ports.ts';
import { type AppRouting, routeManifest, routeName } from './manifests/route.ts';
import { type OwnerReference, ownedBy, type PlatformPlacement } from './manifests/types.ts';
import {
  APP_PORT,
  appRecordManifest,
  objectsClaim,
  scheduledToken,
  versionChildren,
  versionDeployment,
} from './manifests/version.ts';
import { ObjectsHolders } from './objects-holder.ts';
import { observeVersion } from './observe.ts';
import { podLogEntries } from './pod-logs.ts';
import { providedOnKubernetes } from './provides.ts';

export interface KubernetesDriverOptions {
  kubeConfig: KubeConfig;
  /** The app runtime image (runtime/container), from the national registry. */
  runtimeImage: string;
  /** Where the platform runs, for the ministries' network policies. */
  platform: PlatformPlacement;
  /** A rollout not available after this long is failed; the previous version keeps serving. */
  progressDeadlineSeconds?: number;
  /** The size of each app's Durable Objects volume (a PersistentVolumeClaim). Default 1Gi. */
  objectsVolumeSize?: string;
  /** Whether apps' hostnames are also published as Ingresses or HTTPRoutes (default: gateway only). */
  routing?: AppRouting;
  /**
   * The platform's storage service on the cluster (the chart's StatefulSet),
   * where apps' KV, D1 and R2 data live. Without it, apps with those
   * bindings are refused at deploy.
   */
  storage?: StorageClient;
  /**
   * The gateway's service binding relay: where app pods reach it, and the
   * key its capabilities are made with. Without it, apps with service
   * bindings are refused at deploy.
   */
  serviceRelay?: { address: string; key: Buffer };
  /**
   * The key of the versions' scheduled-socket tokens: stable across
   * restarts of the control plane when given (select-driver derives it from
   * the internal secret); else one of its own, and running pods keep
   * working only until the next restart.
   */
  scheduledKey?: Buffer;
  log?: (entry: Record<string, unknown>) => void;
}

interface Informer<T extends KubernetesObject> {
  on(verb: 'add' | 'update' | 'delete', cb: (obj: T) => void): void;
  on(verb: 'error' | 'connect', cb: (err?: unknown) => void): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  list(namespace?: string): ReadonlyArray<T>;
}

const RESTART_AFTER_ERROR_MS = 1_000;
/** What one collection reads of one pod at most (the rest next time), and how many pods at once. */
const POD_LOG_BYTES = 1024 * 1024;
const POD_LOG_READS = 4;
const WAKE_POLL_MS = 100;

/**
 * The `kubernetes` driver: each ministry a namespace, each app version a
 * Deployment of the runtime image with its Service, autoscaler and
 * disruption budget, written by server-side apply with one field manager.
 * What it observes comes from informers (list + watch, restarted after an
 * error, the reconciler's resync covering any gap): Deployments, their pods
 * and the EndpointSlices the gateway sends citizens to.
 *
 * Kubernetes does the scheduling, scaling (within the ministry's instance
 * quota) and isolation; versions are not scaled to zero here.
 */
export class KubernetesDriver implements ClusterDriver, EndpointResolver {
  readonly name = 'kubernetes' as const;
  readonly provides: ProvidedBindings;
  /** Present with a storage service: `gov d1 execute` and the KV quota's usage. */
  readonly executeSql?: (request: SqlRequest) => Promise<SqlAnswer>;
  readonly storageUsage?: (ministryId: string) => Promise<number>;
  readonly #options: Required<Omit<KubernetesDriverOptions, 'log' | 'storage' | 'serviceRelay'>> &
    Pick<KubernetesDriverOptions, 'log' | 'storage' | 'serviceRelay'>;
  readonly #api: KubeApi;
  readonly #objects: ObjectsHolders;
  readonly #deployments: Informer<V1Deployment>;
  readonly #pods: Informer<V1Pod>;
  readonly #slices: Informer<V1EndpointSlice>;
  readonly #core: CoreV1Api;
  readonly #listeners = new Set<(event: DriverWatchEvent) => void>();
  readonly #observed = new Map<string, ObservedVersion>();
  readonly #published = new Map<string, string>();
  readonly #everAvailable = new Set<string>();
  readonly #restarts = new Map<string, number>();
  /** The most instances each ministry allows an app, from its last applied spec. */
  readonly #maxInstances = new Map<string, number>();
  /** Each app's record (the owner of its versions and route), once applied. */
  readonly #appRecords = new Map<string, OwnerReference>();
  /** Each version's scheduled-socket token, from its last apply (read back from its Secret after a restart). */
  readonly #scheduledTokens = new Map<string, string>();
  /** Per app, the objects changes under way (see #objectsLock). */
  readonly #objectsChains = new Map<string, Promise<void>>();
  /** Each pod's last log line read (its kubelet timestamp), for the next collectLogs. */
  readonly #logCursors = new Map<string, string>();
  /** The route last published per app, so an unchanged one costs no API call. */
  readonly #routes = new Map<string, string>();
  #started: Promise<void> | undefined;
  #closed = false;

  constructor(options: KubernetesDriverOptions) {
    this.#options = {
      progressDeadlineSeconds: 120,
      routing: { kind: 'gateway' },
      objectsVolumeSize: '1Gi',
      scheduledKey: randomBytes(32),
      ...options,
    };
    const storage = options.storage;
    this.provides = providedOnKubernetes({ storage: !!storage, services: !!options.serviceRelay });
    if (storage) {
      this.executeSql = (request) => storage.executeSql(request);
      this.storageUsage = async (ministryId) => (await storage.usage(ministryId)).used;
    }
    const kc = options.kubeConfig;
    this.#api = new KubeApi(kc, this.#log);
    this.#objects = new ObjectsHolders(this.#api);
    const apps = kc.makeApiClient(AppsV1Api);
    const core = kc.makeApiClient(CoreV1Api);
    this.#core = core;
    const discovery = kc.makeApiClient(DiscoveryV1Api);
    this.#deployments = makeInformer(
      kc,
      '/apis/apps/v1/deployments',
      () => apps.listDeploymentForAllNamespaces({ labelSelector: managedSelector }),
      managedSelector,
    );
    this.#pods = makeInformer(
      kc,
      '/api/v1/pods',
      () => core.listPodForAllNamespaces({ labelSelector: managedSelector }),
      managedSelector,
    );
    this.#slices = makeInformer(
      kc,
      '/apis/discovery.k8s.io/v1/endpointslices',
      () => discovery.listEndpointSliceForAllNamespaces({ labelSelector: managedSelector }),
      managedSelector,
    );
    this.#deployments.on('add', (d) => this.#onDeployment(d));
    this.#deployments.on('update', (d) => this.#onDeployment(d));
    this.#deployments.on('delete', (d) => this.#onDeploymentDeleted(d));
    for (const verb of ['add', 'update', 'delete'] as const) {
      this.#pods.on(verb, (p) => this.#onPod(p, verb));
    }
    for (const informer of [
      this.#deployments,
      this.#pods,
      this.#slices,
    ] as Informer<KubernetesObject>[]) {
      informer.on('error', (error) => this.#restart(informer, error));
    }
  }

  /** API calls made so far (server-side applies and deletes), for the benchmark. */
  get apiCalls(): number {
    return this.#api.calls;
  }

  async applyMinistry(spec: MinistrySpec): Promise<void> {
    const manifests = ministryManifests(spec, this.#options.platform);
    for (const manifest of manifests) await this.#api.apply(manifest);
    // An egress policy with no address blocks any more: its policy goes.
    if (!manifests.some((m) => m.metadata.name === 'gov-egress-policy')) {
      await this.#api.delete({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        name: 'gov-egress-policy',
        namespace: ministryNamespace(spec.ministry),
      });
    }
    this.#maxInstances.set(spec.ministryId, spec.quota.maxInstancesPerApp);
    // Level-based, as locally: the limit is set again at every apply; the service keeps it.
    await this.#options.storage?.setLimit(spec.ministryId, spec.quota.maxKvBytes);
  }

  async apply(spec: VersionSpec): Promise<void> {
    // Which version holds an app's Durable Objects changes one step at a time.
    if (spec.durableObjects.length > 0)
      return this.#objectsLock(spec.appId, () => this.#apply(spec));
    return this.#apply(spec);
  }

  async #apply(spec: VersionSpec): Promise<void> {
    const options = {
      runtimeImage: this.#options.runtimeImage,
      progressDeadlineSeconds: this.#options.progressDeadlineSeconds,
      maxInstances: this.#maxInstances.get(spec.ministryId) ?? spec.instances,
      ...(this.#options.storage
        ? {
            storage: {
              address: this.#options.storage.address,
              capability: this.#options.storage.capabilityFor(spec.ministryId, spec.appId),
            },
          }
        : {}),
      ...(this.#options.serviceRelay
        ? { services: this.#serviceBindingsOf(spec, this.#options.serviceRelay) }
        : {}),
      ...(spec.crons.length > 0
        ? { scheduledToken: scheduledToken(this.#options.scheduledKey, spec.deploymentId) }
        : {}),
    };
    const record = ownedBy((await this.#api.apply(appRecordManifest(spec))) as never);
    this.#appRecords.set(spec.appId, record);
    const objects = spec.durableObjects.length > 0 ? await this.#objectsStateOf(spec) : undefined;
    if (objects) {
      // Created once: a claim's size and class cannot shrink or change afterwards.
      const claim = objectsClaim(spec, record, this.#options.objectsVolumeSize);
      const existing = await this.#api.read({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        name: claim.metadata.name,
        namespace: claim.metadata.namespace,
      });
      if (!existing) await this.#api.apply(claim);
    }
    const deployment = await this.#api.apply(
      versionDeployment(spec, record, {
        ...options,
        ...(objects ? { objects: objects.state } : {}),
      }),
    );
    if (options.scheduledToken)
      this.#scheduledTokens.set(spec.deploymentId, options.scheduledToken);
    // The values go from the control plane into the version's own Secret only.
    const secretValues = spec.secrets ? await fetchSecrets(spec.secrets) : {};
    const children = versionChildren(spec, ownedBy(deployment as never), options, secretValues);
    for (const child of children) await this.#api.apply(child);
    if (objects?.took) {
      // The previous holders go down to no pod; this one starts once they are gone.
      for (const other of this.#objects.othersOf(spec)) {
        if (this.#deploymentOf(other.deploymentId)) await this.#apply(other);
      }
    }
    if (!children.some((c) => c.kind === 'PodDisruptionBudget')) {
      await this.#api.delete({
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        name: versionName(spec.app, spec.version),
        namespace: ministryNamespace(spec.ministry),
      });
    }
  }

  async remove(deploymentId: string): Promise<void> {
    await this.#start();
    const deployment = this.#deploymentOf(deploymentId);
    const appId = deployment?.metadata?.labels?.[label.appId];
    if (appId) {
      // A removed holder of Durable Objects hands them back to the version still there.
      await this.#objectsLock(appId, async () => {
        const heir = await this.#objects.release(
          deploymentId,
          (id) => id !== deploymentId && this.#deploymentOf(id) !== undefined,
        );
        if (heir) await this.#apply(heir);
      });
    }
    if (!deployment?.metadata) return;
    const { name, namespace, labels = {} } = deployment.metadata;
    // Its Service, autoscaler, budget, Secret and ConfigMap go with it (owner references).
    await this.#api.delete({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: name ?? '',
      namespace,
    });
    const app = labels[label.app];
    const others = this.#deployments
      .list(namespace)
      .filter((d) => d.metadata?.labels?.[label.app] === app && d.metadata?.name !== name);
    if (app && others.length === 0) {
      await this.#api.delete({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        name: appRecordName(app),
        namespace,
      });
    }
  }

  async publishRoute(route: AppRoute): Promise<void> {
    const routing = this.#options.routing;
    if (routing.kind === 'gateway') return;
    const key = JSON.stringify(route);
    if (this.#routes.get(route.appId) === key) return;
    const { live } = route;
    if (!live) {
      await this.#api.delete({
        apiVersion:
          routing.kind === 'ingress' ? 'networking.k8s.io/v1' : 'gateway.networking.k8s.io/v1',
        kind: routing.kind === 'ingress' ? 'Ingress' : 'HTTPRoute',
        name: routeName(route.app),
        namespace: ministryNamespace(route.ministry),
      });
    } else {
      let record = this.#appRecords.get(route.appId);
      if (!record) {
        record = ownedBy((await this.#api.apply(appRecordManifest(route))) as never);
        this.#appRecords.set(route.appId, record);
      }
      await this.#api.apply(routeManifest({ ...route, live }, routing, record));
    }
    this.#routes.set(route.appId, key);
  }

  async list(): Promise<ObservedVersion[]> {
    await this.#start();
    return this.#deployments.list().map((d) => this.#observe(d));
  }

  watch(onEvent: (event: DriverWatchEvent) => void): Watch {
    this.#listeners.add(onEvent);
    void this.#start();
    return { close: () => this.#listeners.delete(onEvent) };
  }

  async endpoints(deploymentId: string): Promise<Endpoint[]> {
    await this.#start();
    const out: Endpoint[] = [];
    for (const slice of this.#slices.list()) {
      if (slice.metadata?.labels?.[label.deploymentId] !== deploymentId) continue;
      const port = slice.ports?.find((p) => p.name === 'http')?.port ?? APP_PORT;
      for (const endpoint of slice.endpoints ?? []) {
        if (endpoint.conditions?.ready === false) continue;
        for (const address of endpoint.addresses ?? []) out.push({ host: address, port });
      }
    }
    return out;
  }

  /** Versions are not scaled to zero on a cluster: waking waits for a ready endpoint. */
  async wake(deploymentId: string, timeoutMs: number): Promise<void> {
    await this.#start();
    if (!this.#deploymentOf(deploymentId)) {
      throw new DriverError(
        'unknown_version',
        `version ${deploymentId} does not run on the cluster`,
      );
    }
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await this.endpoints(deploymentId)).length > 0) return;
      await new Promise((r) => setTimeout(r, WAKE_POLL_MS));
    }
    throw new DriverError('wake_failed', `version ${deploymentId} has no ready pod`, 5_000);
  }

  /**
   * Delivers a scheduled event to one ready pod of the version, on its
   * scheduled socket (which the ministry's network policy opens to the
   * control plane only), with the version's token, and waits for the
   * handler. Versions are not scaled to zero here: no pod ready is
   * `unavailable`, and the scheduler records it so.
   */
  async runScheduled(request: ScheduledRequest): Promise<ScheduledOutcome> {
    await this.#start();
    const [endpoint] = await this.endpoints(request.deploymentId);
    const token = endpoint ? await this.#scheduledTokenOf(request.deploymentId) : undefined;
    if (!endpoint || !token) {
      return {
        outcome: 'unavailable',
        message: endpoint
          ? `version ${request.deploymentId} takes no scheduled events`
          : `version ${request.deploymentId} has no ready pod`,
        durationMs: 0,
      };
    }
    return runScheduled(
      { host: endpoint.host, port: SCHEDULED_PORT, token },
      { cron: request.cron, scheduledTime: request.scheduledTime },
    );
  }

  /** Where a version with Durable Objects stands, from the cluster as the informers see it. */
  async #objectsStateOf(spec: VersionSpec) {
    await this.#start();
    const otherPodsRun = this.#othersRun(spec.appId, spec.deploymentId);
    return this.#objects.stateOf(spec, {
      deploymentExists: this.#deploymentOf(spec.deploymentId) !== undefined,
      otherPodsRun,
      exists: (id) => this.#deploymentOf(id) !== undefined,
    });
  }

  /**
   * Whether anything of the app's other versions may still run: a pod
   * (until its containers stopped), or a Deployment still asked for one.
   */
  #othersRun(appId: string, deploymentId: string): boolean {
    const other = (labels: Record<string, string> | undefined) =>
      labels?.[label.appId] === appId && labels?.[label.deploymentId] !== deploymentId;
    return (
      this.#pods.list().some((p) => other(p.metadata?.labels)) ||
      this.#deployments.list().some((d) => other(d.metadata?.labels) && (d.spec?.replicas ?? 1) > 0)
    );
  }

  /**
   * The app's waiting objects holder gets its pod once nothing of the other
   * versions runs. Read from the cluster alone (no spec needed, so it works
   * after a restart of the control plane too), written as a partial apply
   * of its own field manager: the replica count and the state, nothing else.
   */
  #settleObjects(appId: string): void {
    if (this.#closed) return;
    const waiting = this.#deployments
      .list()
      .find(
        (d) =>
          d.metadata?.labels?.[label.appId] === appId &&
          d.metadata?.annotations?.[annotation.objects] === 'waiting',
      );
    if (!waiting?.metadata?.name) return;
    const { name, namespace } = waiting.metadata;
    const deploymentId = waiting.metadata.labels?.[label.deploymentId] ?? '';
    void this.#objectsLock(appId, async () => {
      const current = this.#deploymentOf(deploymentId);
      if (current?.metadata?.annotations?.[annotation.objects] !== 'waiting') return;
      if (this.#othersRun(appId, deploymentId)) return;
      await this.#api.apply(
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name, namespace, annotations: { [annotation.objects]: 'holding' } },
          spec: { replicas: 1 },
        },
        OBJECTS_FIELD_MANAGER,
      );
    }).catch((error: Error) =>
      this.#log({
        level: 'warn',
        message: `version ${deploymentId} could not take its Durable Objects yet: ${error.message}`,
      }),
    );
  }

  /** Runs the app's objects changes one after another. */
  #objectsLock<T>(appId: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#objectsChains.get(appId) ?? Promise.resolve();
    const next = previous.then(task, task);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.#objectsChains.set(appId, settled);
    void settled.then(() => {
      if (this.#objectsChains.get(appId) === settled) this.#objectsChains.delete(appId);
    });
    return next;
  }

  #serviceBindingsOf(spec: VersionSpec, relay: { address: string; key: Buffer }) {
    return spec.services.map((s) => ({
      name: s.name,
      address: relay.address,
      headers: serviceBindingHeaders(relay.key, spec.ministry, spec.appId, s.app),
    }));
  }

  async #scheduledTokenOf(deploymentId: string): Promise<string | undefined> {
    const known = this.#scheduledTokens.get(deploymentId);
    if (known) return known;
    const metadata = this.#deploymentOf(deploymentId)?.metadata;
    if (!metadata?.name) return undefined;
    const secret = await this.#api.read<V1Secret>({
      apiVersion: 'v1',
      kind: 'Secret',
      name: `${metadata.name}-token`,
      namespace: metadata.namespace,
    });
    const encoded = secret?.data?.scheduled;
    if (!encoded) return undefined;
    const token = Buffer.from(encoded, 'base64').toString('utf8');
    this.#scheduledTokens.set(deploymentId, token);
    return token;
  }

  /**
   * What the apps' pods wrote since the last call, as `kubectl logs` reads
   * it (the kubelet keeps a pod's output only while the pod exists): the
   * control plane keeps it for the retention period. From each pod's last
   * line on; a pod seen for the first time (or after a restart of the
   * control plane) is read whole, and lines already kept are kept once.
   */
  async collectLogs(): Promise<CollectedLogs> {
    await this.#start();
    const pods = this.#pods.list().filter((p) => p.metadata?.labels?.[label.appId]);
    const live = new Set(pods.map((p) => p.metadata?.uid ?? ''));
    for (const uid of this.#logCursors.keys()) if (!live.has(uid)) this.#logCursors.delete(uid);
    const read = new Semaphore(POD_LOG_READS);
    const cursors = new Map<string, string>();
    const apps = await Promise.all(
      pods.map((pod) =>
        read.run(async () => {
          const name = pod.metadata?.name ?? '';
          const uid = pod.metadata?.uid ?? '';
          const since = this.#logCursors.get(uid);
          const text = await this.#core
            .readNamespacedPodLog({
              name,
              namespace: pod.metadata?.namespace ?? '',
              container: 'app',
              timestamps: true,
              limitBytes: POD_LOG_BYTES,
              ...(since ? { sinceTime: since } : {}),
            })
            // A pod not started yet has no log: nothing to keep, not an outage.
            .catch(() => '');
          // Cut at limitBytes, the last line may be partial: it is read whole next time.
          const whole = text.endsWith('\n') ? text : text.slice(0, text.lastIndexOf('\n') + 1);
          const last = whole.trimEnd().split('\n').at(-1)?.split(' ')[0];
          if (last && !Number.isNaN(Date.parse(last))) cursors.set(uid, last);
          return {
            appId: pod.metadata?.labels?.[label.appId] ?? '',
            entries: podLogEntries(whole, {
              pod: name,
              deploymentId: pod.metadata?.labels?.[label.deploymentId] ?? '',
              kindOf: logKindOf,
            }),
          };
        }),
      ),
    );
    // Moved on only once the lines are kept: a pass that failed reads them again.
    const commit = () => {
      for (const [uid, at] of cursors) if (live.has(uid)) this.#logCursors.set(uid, at);
    };
    return { apps, commit };
  }

  track(): () => void {
    // The cluster keeps its own accounting; nothing to count here.
    return () => {};
  }

  async info(): Promise<DriverInfo> {
    return { driver: 'kubernetes', limits: 'kubernetes' };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    if (this.#started) {
      await Promise.all([this.#deployments.stop(), this.#pods.stop(), this.#slices.stop()]);
    }
  }

  #log = (entry: Record<string, unknown>) =>
    this.#options.log?.({ component: 'kubernetes-driver', ...entry });

  #start(): Promise<void> {
    this.#started ??= Promise.all([
      this.#deployments.start(),
      this.#pods.start(),
      this.#slices.start(),
    ]).then(() => undefined);
    return this.#started;
  }

  #restart(informer: Informer<KubernetesObject>, error: unknown): void {
    if (this.#closed) return;
    this.#log({
      level: 'warn',
      message: `watch interrupted: ${(error as Error)?.message ?? error}`,
    });
    setTimeout(() => {
      if (this.#closed) return;
      informer.start().then(
        () => this.#emit({ kind: 'resync' }),
        (e: unknown) => this.#restart(informer, e),
      );
    }, RESTART_AFTER_ERROR_MS).unref();
  }

  #deploymentOf(deploymentId: string): V1Deployment | undefined {
    return this.#deployments
      .list()
      .find((d) => d.metadata?.labels?.[label.deploymentId] === deploymentId);
  }

  #podsOf(deploymentId: string): V1Pod[] {
    return this.#pods
      .list()
      .filter((p) => p.metadata?.labels?.[label.deploymentId] === deploymentId);
  }

  #observe(deployment: V1Deployment): ObservedVersion {
    const id = deployment.metadata?.labels?.[label.deploymentId] ?? '';
    const observed = observeVersion(
      deployment,
      this.#podsOf(id),
      this.#observed.get(id),
      this.#everAvailable.has(id),
    );
    if (observed.instances.ready > 0) this.#everAvailable.add(id);
    this.#observed.set(id, observed);
    return observed;
  }

  #onDeployment(deployment: V1Deployment): void {
    // A holder waiting since before a restart, or others just scaled down: it may start now.
    const appId = deployment.metadata?.labels?.[label.appId];
    if (appId && deployment.metadata?.annotations?.[annotation.objects]) this.#settleObjects(appId);
    const observed = this.#observe(deployment);
    const key = JSON.stringify(observed);
    if (this.#published.get(observed.deploymentId) === key) return;
    const first = !this.#published.has(observed.deploymentId);
    const wasReady = (this.#observedReady.get(observed.deploymentId) ?? 0) > 0;
    this.#published.set(observed.deploymentId, key);
    this.#observedReady.set(observed.deploymentId, observed.instances.ready);
    this.#emit({ kind: 'version', version: observed });
    if (!first && !wasReady && observed.instances.ready > 0) {
      this.#event(observed, 'started', `${observed.instances.ready} pod(s) available`);
    }
  }

  readonly #observedReady = new Map<string, number>();

  #onDeploymentDeleted(deployment: V1Deployment): void {
    const labels = deployment.metadata?.labels ?? {};
    const id = labels[label.deploymentId];
    if (!id) return;
    this.#observed.delete(id);
    this.#published.delete(id);
    this.#observedReady.delete(id);
    this.#scheduledTokens.delete(id);
    this.#objects.forget(id);
    this.#emit({ kind: 'deleted', deploymentId: id, appId: labels[label.appId] ?? '' });
  }

  /** A pod changed: its version may have; restarts and memory kills become events. */
  #onPod(pod: V1Pod, verb: 'add' | 'update' | 'delete'): void {
    const labels = pod.metadata?.labels ?? {};
    const id = labels[label.deploymentId];
    if (!id) return;
    const appId = labels[label.appId];
    if (verb === 'delete' && appId) this.#settleObjects(appId);
    const uid = pod.metadata?.uid ?? '';
    for (const status of pod.status?.containerStatuses ?? []) {
      const key = `${uid}/${status.name}`;
      const before = this.#restarts.get(key) ?? 0;
      const now = status.restartCount ?? 0;
      if (now > before) {
        this.#restarts.set(key, now);
        const observed = this.#observed.get(id);
        if (observed) {
          const oom = status.lastState?.terminated?.reason === 'OOMKilled';
          this.#event(
            observed,
            oom ? 'memory_limit' : 'crashed',
            oom
              ? 'the app reached its memory limit and the kernel stopped it'
              : `the app exited (code ${status.lastState?.terminated?.exitCode ?? '?'}); the kubelet restarts it`,
          );
        }
      }
    }
    const deployment = this.#deploymentOf(id);
    if (deployment) this.#onDeployment(deployment);
  }

  #event(observed: ObservedVersion, type: 'started' | 'crashed' | 'memory_limit', message: string) {
    this.#emit({
      kind: 'event',
      event: {
        deploymentId: observed.deploymentId,
        appId: observed.appId,
        type,
        message,
        at: new Date().toISOString(),
      },
    });
  }

  #emit(event: DriverWatchEvent): void {
    for (const listener of this.#listeners) listener(event);
  }
}
