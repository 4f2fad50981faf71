import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { AppRoute } from '../../driver.ts';
import { label, MANAGED_BY, ministryNamespace, versionName } from '../labels.ts';
import { type Manifest, type OwnerReference, typed } from './types.ts';

/** How an app's own hostname is published on the cluster, besides the platform's gateway. */
export type AppRouting =
  | { kind: 'gateway' }
  | { kind: 'ingress'; className: string; tlsSecretName?: string }
  | { kind: 'httproute'; gatewayName: string; gatewayNamespace: string };

export function routeName(app: string): string {
  return `gov-route-${app}`;
}

/**
 * An Ingress or a Gateway API HTTPRoute sending the app's hostname straight
 * to its live version's Service. Owned by the app record, so deleting the
 * app removes it. Such a route bypasses the platform's gateway (its quota,
 * metering and French error pages): an operator's choice, off by default.
 */
export function routeManifest(
  route: AppRoute & { live: NonNullable<AppRoute['live']> },
  routing: Exclude<AppRouting, { kind: 'gateway' }>,
  appRecord: OwnerReference,
): Manifest {
  const service = versionName(route.app, route.live.version);
  const metadata = {
    name: routeName(route.app),
    namespace: ministryNamespace(route.ministry),
    labels: {
      [label.managedBy]: MANAGED_BY,
      [label.component]: 'app-route',
      [label.ministry]: route.ministry,
      [label.ministryId]: route.ministryId,
      [label.app]: route.app,
      [label.appId]: route.appId,
      [label.deploymentId]: route.live.deploymentId,
    },
    ownerReferences: [appRecord],
  };
  if (routing.kind === 'ingress') {
    return typed<IIngress>({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata,
      spec: {
        ingressClassName: routing.className,
        ...(routing.tlsSecretName
          ? { tls: [{ hosts: [route.host], secretName: routing.tlsSecretName }] }
          : {}),
        rules: [
          {
            host: route.host,
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: service, port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
    });
  }
  // Gateway API types are not in kubernetes-models: this one is checked by its test.
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata,
    spec: {
      parentRefs: [{ name: routing.gatewayName, namespace: routing.gatewayNamespace }],
      hostnames: [route.host],
      rules: [{ backendRefs: [{ name: service, port: 80 }] }],
    },
  };
}
