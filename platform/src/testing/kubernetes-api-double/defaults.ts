import { isJsonObject, type JsonObject, type KubeObject, objectAt } from './objects.ts';
import type { ResourceType } from './resource-types.ts';

/**
 * The defaults the real server fills in on every write (the generated
 * SetDefaults_* functions), for the fields a driver is likely to read back
 * or diff. Idempotent, so it runs on every create, update, patch and apply;
 * because it runs after server-side apply merges, defaulted fields belong
 * to no manager, as on a real cluster.
 */
export function applyDefaults(type: ResourceType, object: KubeObject, previous?: KubeObject): void {
  const spec = objectAt(object, ['spec']);
  switch (type.kind) {
    case 'Namespace': {
      object.metadata.labels = {
        ...object.metadata.labels,
        'kubernetes.io/metadata.name': object.metadata.name,
      };
      object.spec = { finalizers: ['kubernetes'], ...spec };
      break;
    }
    case 'Deployment': {
      if (!spec) break;
      spec.replicas ??= 1;
      spec.revisionHistoryLimit ??= 10;
      spec.progressDeadlineSeconds ??= 600;
      const strategy: JsonObject = isJsonObject(spec.strategy) ? spec.strategy : {};
      strategy.type ??= 'RollingUpdate';
      if (strategy.type === 'RollingUpdate') {
        const rolling = isJsonObject(strategy.rollingUpdate) ? strategy.rollingUpdate : {};
        rolling.maxSurge ??= '25%';
        rolling.maxUnavailable ??= '25%';
        strategy.rollingUpdate = rolling;
      }
      spec.strategy = strategy;
      const template = objectAt(spec, ['template']);
      const podSpec = objectAt(template, ['spec']);
      if (podSpec) defaultPodSpec(podSpec, false);
      break;
    }
    case 'Pod':
      if (spec) defaultPodSpec(spec, true);
      break;
    case 'Service':
      if (spec) defaultServiceSpec(spec, objectAt(previous, ['spec']));
      break;
    case 'Secret':
      defaultSecret(object);
      break;
  }
}

function defaultPodSpec(spec: JsonObject, isPod: boolean): void {
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  for (const list of ['containers', 'initContainers']) {
    const containers = spec[list];
    if (!Array.isArray(containers)) continue;
    for (const c of containers) {
      if (!isJsonObject(c)) continue;
      const image = typeof c.image === 'string' ? c.image : '';
      const tag = image.includes('@') ? 'digest' : (/:([^/:]+)$/.exec(image)?.[1] ?? 'latest');
      c.imagePullPolicy ??= tag === 'latest' ? 'Always' : 'IfNotPresent';
      c.terminationMessagePath ??= '/dev/termination-log';
      c.terminationMessagePolicy ??= 'File';
      c.resources ??= {};
      // SetDefaults_Pod (pods only, not templates): a limit without a request requests the limit.
      const limits = objectAt(c, ['resources', 'limits']);
      if (isPod && limits && isJsonObject(c.resources)) {
        const requests = objectAt(c.resources, ['requests']) ?? {};
        for (const [r, v] of Object.entries(limits)) requests[r] ??= v;
        c.resources.requests = requests;
      }
      if (Array.isArray(c.ports)) {
        for (const p of c.ports) if (isJsonObject(p)) p.protocol ??= 'TCP';
      }
    }
  }
}

let nextClusterIp = 10;

function defaultServiceSpec(spec: JsonObject, previous: JsonObject | undefined): void {
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  spec.internalTrafficPolicy ??= 'Cluster';
  if (Array.isArray(spec.ports)) {
    for (const p of spec.ports) {
      if (!isJsonObject(p)) continue;
      p.protocol ??= 'TCP';
      p.targetPort ??= p.port;
    }
  }
  if (spec.type === 'ExternalName') return;
  // The cluster IP is allocated once and kept: an update that omits it keeps the old one.
  spec.clusterIP ??= previous?.clusterIP;
  if (spec.clusterIP === undefined || spec.clusterIP === '') {
    nextClusterIp += 1;
    spec.clusterIP = `10.96.${Math.floor(nextClusterIp / 250)}.${nextClusterIp % 250}`;
  }
  spec.clusterIPs ??= [spec.clusterIP];
  spec.ipFamilies ??= ['IPv4'];
  spec.ipFamilyPolicy ??= 'SingleStack';
}

function defaultSecret(object: KubeObject): void {
  object.type ??= 'Opaque';
  // stringData is write-only: the server folds it into data, base64-encoded.
  if (isJsonObject(object.stringData)) {
    const data: JsonObject = isJsonObject(object.data) ? object.data : {};
    for (const [key, value] of Object.entries(object.stringData)) {
      data[key] = Buffer.from(String(value)).toString('base64');
    }
    object.data = data;
    delete object.stringData;
  }
}

/** The status a freshly created object starts with; what a client sent is dropped, as the real strategies do. */
export function initialStatus(type: ResourceType, object: KubeObject): JsonObject {
  switch (type.kind) {
    case 'Namespace':
      return { phase: 'Active' };
    case 'Pod':
      return { phase: 'Pending', qosClass: qosClassOf(object) };
    case 'Service':
      return { loadBalancer: {} };
    default:
      return {};
  }
}

/** Guaranteed when every container sets equal requests and limits for cpu and memory; BestEffort when none sets any. */
function qosClassOf(pod: KubeObject): string {
  const containers = Array.isArray(objectAt(pod, ['spec'])?.containers)
    ? (objectAt(pod, ['spec'])?.containers as unknown[])
    : [];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const requests = objectAt(c, ['resources', 'requests']) ?? {};
    const limits = objectAt(c, ['resources', 'limits']) ?? {};
    if (Object.keys(requests).length > 0 || Object.keys(limits).length > 0) any = true;
    for (const r of ['cpu', 'memory']) {
      if (limits[r] === undefined || (requests[r] !== undefined && requests[r] !== limits[r])) {
        guaranteed = false;
      }
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
