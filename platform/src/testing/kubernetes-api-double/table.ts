import { arrayAt, isJsonObject, type KubeObject, objectAt } from './objects.ts';
import type { ResourceType } from './resource-types.ts';

/**
 * Server-side printing: kubectl get asks for
 * `application/json;as=Table;v=v1;g=meta.k8s.io` and prints the rows the
 * server renders. Columns follow the real printers for the kinds people
 * look at (pods, deployments, services, namespaces); the rest get NAME and
 * AGE, as for a custom resource without printer columns.
 */
export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '')
    .split(',')
    .some((part) => part.includes('as=Table') && part.includes('g=meta.k8s.io'));
}

interface Column {
  name: string;
  type: 'string' | 'integer';
  priority?: number;
  cell: (o: KubeObject) => string | number;
}

function age(o: KubeObject): string {
  const seconds = Math.max(
    0,
    Math.floor((Date.now() - Date.parse(o.metadata.creationTimestamp)) / 1000),
  );
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86_400)}d`;
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}

/** What `kubectl get pods` shows as STATUS: a waiting or terminated reason wins over the phase. */
function podStatus(pod: KubeObject): string {
  if (pod.metadata.deletionTimestamp) return 'Terminating';
  let reason = String(objectAt(pod, ['status'])?.phase ?? 'Unknown');
  for (const c of arrayAt(pod, ['status', 'containerStatuses'])) {
    const waiting = objectAt(c, ['state', 'waiting'])?.reason;
    const terminated = objectAt(c, ['state', 'terminated'])?.reason;
    if (typeof waiting === 'string' && waiting !== '') reason = waiting;
    else if (typeof terminated === 'string' && terminated !== '') reason = terminated;
  }
  return reason;
}

function servicePorts(o: KubeObject): string {
  const ports = arrayAt(o, ['spec', 'ports']).filter(isJsonObject);
  if (ports.length === 0) return '<none>';
  return ports
    .map(
      (p) =>
        `${String(p.port)}${p.nodePort ? `:${String(p.nodePort)}` : ''}/${String(p.protocol ?? 'TCP')}`,
    )
    .join(',');
}

const nameColumn: Column = { name: 'Name', type: 'string', cell: (o) => o.metadata.name };
const ageColumn: Column = { name: 'Age', type: 'string', cell: age };

const columnsByKind: Record<string, Column[]> = {
  Pod: [
    nameColumn,
    {
      name: 'Ready',
      type: 'string',
      cell: (o) => {
        const statuses = arrayAt(o, ['status', 'containerStatuses']);
        const ready = statuses.filter((c) => objectAt(c, [])?.ready === true).length;
        return `${ready}/${arrayAt(o, ['spec', 'containers']).length}`;
      },
    },
    { name: 'Status', type: 'string', cell: podStatus },
    {
      name: 'Restarts',
      type: 'string',
      cell: (o) =>
        String(
          arrayAt(o, ['status', 'containerStatuses']).reduce<number>(
            (n, c) => n + num(objectAt(c, [])?.restartCount),
            0,
          ),
        ),
    },
    ageColumn,
    {
      name: 'IP',
      type: 'string',
      priority: 1,
      cell: (o) => String(objectAt(o, ['status'])?.podIP ?? '<none>'),
    },
  ],
  Deployment: [
    nameColumn,
    {
      name: 'Ready',
      type: 'string',
      cell: (o) =>
        `${num(objectAt(o, ['status'])?.readyReplicas)}/${num(objectAt(o, ['spec'])?.replicas)}`,
    },
    {
      name: 'Up-to-date',
      type: 'integer',
      cell: (o) => num(objectAt(o, ['status'])?.updatedReplicas),
    },
    {
      name: 'Available',
      type: 'integer',
      cell: (o) => num(objectAt(o, ['status'])?.availableReplicas),
    },
    ageColumn,
    {
      name: 'Images',
      type: 'string',
      priority: 1,
      cell: (o) =>
        arrayAt(o, ['spec', 'template', 'spec', 'containers'])
          .map((c) => String(objectAt(c, [])?.image))
          .join(','),
    },
  ],
  Service: [
    nameColumn,
    {
      name: 'Type',
      type: 'string',
      cell: (o) => String(objectAt(o, ['spec'])?.type ?? 'ClusterIP'),
    },
    {
      name: 'Cluster-IP',
      type: 'string',
      cell: (o) => String(objectAt(o, ['spec'])?.clusterIP ?? '<none>'),
    },
    { name: 'External-IP', type: 'string', cell: () => '<none>' },
    { name: 'Port(s)', type: 'string', cell: servicePorts },
    ageColumn,
  ],
  Namespace: [
    nameColumn,
    { name: 'Status', type: 'string', cell: (o) => String(objectAt(o, ['status'])?.phase ?? '') },
    ageColumn,
  ],
  ConfigMap: [
    nameColumn,
    { name: 'Data', type: 'integer', cell: (o) => Object.keys(objectAt(o, ['data']) ?? {}).length },
    ageColumn,
  ],
  Secret: [
    nameColumn,
    { name: 'Type', type: 'string', cell: (o) => String(o.type ?? 'Opaque') },
    { name: 'Data', type: 'integer', cell: (o) => Object.keys(objectAt(o, ['data']) ?? {}).length },
    ageColumn,
  ],
};

export function asTable(
  type: ResourceType,
  objects: KubeObject[],
  resourceVersion: string,
  query: URLSearchParams,
) {
  const columns = columnsByKind[type.kind] ?? [nameColumn, ageColumn];
  const includeObject = query.get('includeObject') ?? 'Metadata';
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    columnDefinitions: columns.map((c) => ({
      name: c.name,
      type: c.type,
      format: c === nameColumn ? 'name' : '',
      description: c.name,
      priority: c.priority ?? 0,
    })),
    rows: objects.map((o) => ({
      cells: columns.map((c) => c.cell(o)),
      object:
        includeObject === 'Object'
          ? o
          : includeObject === 'None'
            ? undefined
            : { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata },
    })),
  };
}
