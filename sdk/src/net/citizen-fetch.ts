import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';

export interface CitizenResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** True for `localhost` and every name under `.localhost` (RFC 6761: always loopback). */
export function isLocalhostName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

/**
 * Resolves any name to 127.0.0.1 without asking the system resolver, which
 * may not know `*.localhost`. Node asks for all addresses when it races
 * IPv4 and IPv6 (autoSelectFamily), hence both callback shapes.
 */
const loopbackLookup: LookupFunction = (_hostname, options, callback) => {
  if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
};

/**
 * GET a citizen URL the way a browser would. Names under `.localhost` are
 * loopback by definition (RFC 6761) even where the system resolver does not
 * know them, so those connect to 127.0.0.1; the URL's host still goes in the
 * Host header (and TLS server name), which is what the gateway routes on.
 * Node's fetch cannot do this: it forbids setting Host.
 *
 * @example
 * const res = await citizenGet('http://demarche.demo.localhost:8080/');
 * console.log(res.status, res.headers['x-gov-deployment']);
 */
export function citizenGet(url: string, timeoutMs = 10_000): Promise<CitizenResponse> {
  const target = new URL(url);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      target,
      {
        method: 'GET',
        headers: { host: target.host, 'user-agent': 'gov-cli' },
        ...(isLocalhostName(target.hostname) ? { lookup: loopbackLookup } : {}),
        timeout: timeoutMs,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`no answer from ${target.host} within ${timeoutMs} ms`)),
    );
    req.on('error', reject);
    req.end();
  });
}
