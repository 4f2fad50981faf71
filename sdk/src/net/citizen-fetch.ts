import http from 'node:http';
import https from 'node:https';

export interface CitizenResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
}

/**
 * GET a citizen URL the way a browser would. Names under `.localhost` are
 * loopback by definition (RFC 6761) even where the system resolver does not
 * know them, so those connect to 127.0.0.1 with the original Host header.
 *
 * @example
 * const res = await citizenGet('http://demarche.demo.localhost:8080/');
 * console.log(res.status, res.headers['x-gov-deployment']);
 */
export function citizenGet(url: string, timeoutMs = 10_000): Promise<CitizenResponse> {
  const target = new URL(url);
  const loopback = target.hostname === 'localhost' || target.hostname.endsWith('.localhost');
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      {
        host: loopback ? '127.0.0.1' : target.hostname,
        port: target.port || (target.protocol === 'https:' ? 443 : 80),
        path: `${target.pathname}${target.search}`,
        method: 'GET',
        headers: { host: target.host, 'user-agent': 'gov-cli' },
        servername: loopback ? undefined : target.hostname,
        timeout: timeoutMs,
        agent: false,
      },
      (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, headers: res.headers });
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`no answer from ${target.host} in ${timeoutMs} ms`)),
    );
    req.on('error', reject);
    req.end();
  });
}
