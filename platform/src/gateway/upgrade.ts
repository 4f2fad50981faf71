import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { Endpoint } from '../drivers/driver.ts';
import { forwardable, headersForApp, hostOnlyCookies } from './forwarded-headers.ts';

/** Writes an HTTP response head on a raw socket, as it goes on the wire. */
function writeHead(
  socket: Duplex,
  status: number,
  reason: string,
  headers: Array<[string, string]>,
) {
  const lines = [`HTTP/1.1 ${status} ${reason}`, ...headers.map(([k, v]) => `${k}: ${v}`)];
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
}

/** Refuses an upgrade (or a CONNECT) with a short plain answer, then closes. */
export function refuseRaw(socket: Duplex, status: number, reason: string, body: string) {
  if (socket.destroyed) return;
  writeHead(socket, status, reason, [
    ['content-type', 'text/plain; charset=utf-8'],
    ['content-length', String(Buffer.byteLength(body))],
    ['connection', 'close'],
  ]);
  socket.end(body);
}

/**
 * Carries a citizen's WebSocket (or any HTTP upgrade) to the app: the
 * upgrade request goes to the instance, its 101 answer comes back with the
 * platform's headers, then bytes flow both ways until either side closes.
 * An app that answers without upgrading gets its answer forwarded as is.
 */
export function proxyUpgrade(options: {
  req: http.IncomingMessage;
  socket: Duplex;
  head: Buffer;
  endpoint: Endpoint;
  deploymentId: string;
  requestId: string;
  onDone: (status: number, bytesIn: number, bytesOut: number) => void;
}): void {
  const { req, socket, head, endpoint } = options;
  let bytesIn = head.length;
  let bytesOut = 0;
  let finished = false;
  const finish = (status: number) => {
    if (finished) return;
    finished = true;
    options.onDone(status, bytesIn, bytesOut);
  };
  const headers = headersForApp(req, options.requestId);
  headers.connection = 'upgrade';
  if (req.headers.upgrade) headers.upgrade = req.headers.upgrade;
  const upstream = http.request({
    host: endpoint.host,
    port: endpoint.port,
    method: req.method,
    path: req.url,
    headers,
    agent: false,
  });
  upstream.on('upgrade', (res, upSocket, upHead) => {
    const out: Array<[string, string]> = [];
    for (let i = 0; i < res.rawHeaders.length; i += 2) {
      const name = res.rawHeaders[i] as string;
      if (/^set-cookie$/i.test(name)) {
        for (const c of hostOnlyCookies(res.rawHeaders[i + 1]) ?? []) out.push([name, c]);
      } else out.push([name, res.rawHeaders[i + 1] as string]);
    }
    out.push(['x-request-id', options.requestId], ['x-gov-deployment', options.deploymentId]);
    writeHead(socket, 101, 'Switching Protocols', out);
    if (upHead.length > 0) socket.write(upHead);
    if (head.length > 0) upSocket.write(head);
    upSocket.on('data', (c: Buffer) => {
      bytesOut += c.length;
    });
    socket.on('data', (c: Buffer) => {
      bytesIn += c.length;
    });
    upSocket.pipe(socket);
    socket.pipe(upSocket);
    const close = () => {
      upSocket.destroy();
      socket.destroy();
      finish(101);
    };
    upSocket.on('close', close);
    socket.on('close', close);
    upSocket.on('error', close);
    socket.on('error', close);
  });
  upstream.on('response', (res) => {
    // The app did not upgrade: forward its answer, then close.
    const out: Array<[string, string]> = [];
    for (const [name, value] of Object.entries(forwardable(res.headers, false))) {
      const values = name === 'set-cookie' ? hostOnlyCookies(value as string[]) : [value];
      for (const v of values ?? []) out.push([name, String(v)]);
    }
    out.push(['x-request-id', options.requestId], ['connection', 'close']);
    writeHead(socket, res.statusCode ?? 502, res.statusMessage ?? '', out);
    res.on('data', (c: Buffer) => {
      bytesOut += c.length;
    });
    res.pipe(socket);
    res.on('end', () => finish(res.statusCode ?? 502));
  });
  upstream.on('error', () => {
    refuseRaw(socket, 502, 'Bad Gateway', 'Le service ne répond pas.\n');
    finish(502);
  });
  socket.on('error', () => upstream.destroy());
  upstream.end();
}
