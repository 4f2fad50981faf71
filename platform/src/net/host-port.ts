/**
 * `host:port` of a URL, the port spelt out even when it is the scheme's
 * default: workerd's external services and the runtime's settings want
 * both parts.
 */
export function hostPort(url: string): string {
  const parsed = new URL(url);
  return `${parsed.hostname}:${parsed.port || (parsed.protocol === 'https:' ? '443' : '80')}`;
}
