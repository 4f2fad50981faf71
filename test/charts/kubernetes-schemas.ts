import * as clientNode from '@kubernetes/client-node';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { Manifest } from './helm-template.ts';

interface Kind {
  /** kubernetes-models' class: its validate() checks the object against the OpenAPI schema. */
  model: new (
    data: never,
  ) => { validate(): void };
  /** @kubernetes/client-node's model of the same kind, whose field list is complete. */
  clientModel: string;
}

/** The kinds the chart may render. A kind missing here fails the chart's tests. */
const KINDS: Record<string, Kind> = {
  'v1/ConfigMap': { model: ConfigMap, clientModel: 'V1ConfigMap' },
  'v1/Service': { model: Service, clientModel: 'V1Service' },
  'v1/ServiceAccount': { model: ServiceAccount, clientModel: 'V1ServiceAccount' },
  'apps/v1/Deployment': { model: Deployment, clientModel: 'V1Deployment' },
  'apps/v1/StatefulSet': { model: StatefulSet, clientModel: 'V1StatefulSet' },
  'policy/v1/PodDisruptionBudget': {
    model: PodDisruptionBudget,
    clientModel: 'V1PodDisruptionBudget',
  },
  'networking.k8s.io/v1/Ingress': { model: Ingress, clientModel: 'V1Ingress' },
  'networking.k8s.io/v1/NetworkPolicy': { model: NetworkPolicy, clientModel: 'V1NetworkPolicy' },
  'rbac.authorization.k8s.io/v1/ClusterRole': { model: ClusterRole, clientModel: 'V1ClusterRole' },
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': {
    model: ClusterRoleBinding,
    clientModel: 'V1ClusterRoleBinding',
  },
};

const describe = (m: Manifest) => `${m.apiVersion}/${m.kind} ${m.metadata?.name ?? '(no name)'}`;

/**
 * Validates one object against its kind's Kubernetes OpenAPI schema
 * (kubernetes-models), then refuses fields the schema does not have. The
 * OpenAPI schemas allow unknown fields, which the API server drops with a
 * warning; a misspelt `readOnlyRootFilesytem` would pass the first check
 * and be lost on the cluster, so the second walks the object against the
 * field lists of @kubernetes/client-node's generated models.
 */
export function validateManifest(manifest: Manifest): void {
  const kind = KINDS[`${manifest.apiVersion}/${manifest.kind}`];
  if (!kind) {
    throw new Error(
      `${describe(manifest)}: no validator for this kind; add it to kubernetes-schemas.ts`,
    );
  }
  try {
    new kind.model(manifest as never).validate();
  } catch (error) {
    throw new Error(`${describe(manifest)}: ${(error as Error).message}`);
  }
  const unknown = unknownFields(manifest, kind.clientModel, '');
  if (unknown.length > 0) {
    throw new Error(
      `${describe(manifest)}: fields Kubernetes does not know: ${unknown.join(', ')}`,
    );
  }
}

interface Attribute {
  baseName: string;
  type: string;
}
type ClientModel = { getAttributeTypeMap(): Attribute[] };

const SCALARS = new Set(['string', 'number', 'boolean', 'Date', 'IntOrString', 'any']);

function unknownFields(value: unknown, type: string, at: string): string[] {
  if (value === null || value === undefined || SCALARS.has(type)) return [];
  const list = /^Array<(.+)>$/.exec(type);
  if (list) {
    return Array.isArray(value)
      ? value.flatMap((item, i) => unknownFields(item, list[1] ?? '', `${at}[${i}]`))
      : [];
  }
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) {
    return Object.entries(value).flatMap(([k, v]) => unknownFields(v, map[1] ?? '', `${at}.${k}`));
  }
  const model = (clientNode as unknown as Record<string, ClientModel | undefined>)[type];
  if (!model?.getAttributeTypeMap)
    throw new Error(`no field list for ${type} at ${at || '(root)'}`);
  if (typeof value !== 'object') return [];
  const fields = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  return Object.entries(value).flatMap(([name, v]) => {
    const fieldType = fields.get(name);
    return fieldType === undefined
      ? [`${at}.${name}`]
      : unknownFields(v, fieldType, `${at}.${name}`);
  });
}
