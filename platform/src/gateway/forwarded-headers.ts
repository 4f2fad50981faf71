import type http from 'node:http';

/** Hop-by-hop headers (RFC 9110 §7.6.1) are for one connection, never forwarded. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** End-to-end headers only; citizens' `x-gov-*` headers dropped (the platform vouches for those). */
export function forwardable(
  headers: http.IncomingHttpHeaders,
  dropPlatformHeaders: boolean,
): http.OutgoingHttpHeaders {
  const listed = String(headers.connection ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase());
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || listed.includes(name)) continue;
    if (dropPlatformHeaders && name.startsWith('x-gov-')) continue;
    out[name] = value;
  }
  return out;
}

/**
 * What an app receives: the citizen's end-to-end headers, less the
 * platform's reserved ones, plus the request id and where the request came
 * from, as the gateway saw it.
 */
export function headersForApp(
  req: http.IncomingMessage,
  requestId: string,
): http.OutgoingHttpHeaders {
  const headers = forwardable(req.headers, true);
  headers['x-request-id'] = requestId;
  headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
  headers['x-forwarded-proto'] = 'http';
  headers['x-forwarded-host'] = req.headers.host ?? '';
  return headers;
}

/**
 * Cookies an app sets are kept to its own host. Apps share a base domain
 * (<app>.<ministry>.<domain>): a `Domain=` attribute would let one
 * ministry's app plant cookies on every other one's, so it is removed,
 * making each cookie host-only.
 */
export function hostOnlyCookies(setCookie: string | string[] | undefined): string[] | undefined {
  if (setCookie === undefined) return undefined;
  const cookies = Array.isArray(setCookie) ? setCookie : [setCookie];
  return cookies.map((cookie) =>
    cookie
      .split(';')
      .filter((part, i) => i === 0 || !/^\s*domain\s*=/i.test(part))
      .join(';'),
  );
}
