import http from 'node:http';

export interface CitizenResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/**
 * A citizen's request to an app URL such as http://demarche.demo.localhost:PORT/.
 * *.localhost is loopback (RFC 6761) but the OS resolver here does not know
 * it, so connect to 127.0.0.1 and keep the citizen's Host header.
 */
export function citizenRequest(
  url: string,
  init: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<CitizenResponse> {
  const target = new URL(url);
  if (!target.hostname.endsWith('.localhost') && target.hostname !== 'localhost') {
    throw new Error(`tests only talk to loopback, not ${target.hostname}`);
  }
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: Number(target.port || 80),
        path: `${target.pathname}${target.search}`,
        method: init.method ?? 'GET',
        headers: { host: target.host, ...init.headers },
        agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}
