import type { PlatformConfig } from '../config.ts';

/** The URL citizens use for an app: <app>.<ministry>.<base domain>. */
export function citizenUrl(
  config: Pick<PlatformConfig, 'baseDomain' | 'gatewayPort' | 'publicGatewayUrl'>,
  ministry: string,
  app: string,
): string {
  const host = `${app}.${ministry}.${config.baseDomain}`;
  if (config.publicGatewayUrl) {
    const pub = new URL(config.publicGatewayUrl);
    return `${pub.protocol}//${host}${pub.port ? `:${pub.port}` : ''}/`;
  }
  return `http://${host}${config.gatewayPort === 80 ? '' : `:${config.gatewayPort}`}/`;
}

/**
 * Splits a Host header into ministry and app names, or undefined when the
 * host is not a citizen host of this platform. Case and port are ignored.
 */
export function parseCitizenHost(
  hostHeader: string | undefined,
  baseDomain: string,
): { ministry: string; app: string } | undefined {
  if (!hostHeader) return undefined;
  const host = hostHeader.replace(/:\d+$/, '').toLowerCase().replace(/\.$/, '');
  const suffix = `.${baseDomain}`;
  if (!host.endsWith(suffix)) return undefined;
  const labels = host.slice(0, -suffix.length).split('.');
  if (labels.length !== 2) return undefined;
  const [app, ministry] = labels;
  if (!app || !ministry) return undefined;
  return { ministry, app };
}
