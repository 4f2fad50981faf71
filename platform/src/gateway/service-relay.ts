import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** How deep apps may call each other through service bindings before it is called a loop. */
export const MAX_SERVICE_DEPTH = 16;
// Not an x-gov- header: the gateway drops those from what reaches an app, and an app
// that forwards its request must carry the depth along for a loop to be seen.
const DEPTH_HEADER = 'gov-service-depth';

/** Headers that belong to one connection, never forwarded (RFC 9110 §7.6.1). */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'host',
]);

/**
 * The relay's key on a cluster, from the platform's internal secret: every
 * gateway replica and the driver derive the same one.
 */
export function serviceRelayKey(internalSecret: Buffer): Buffer {
  return createHmac('sha256', internalSecret).update('gov-service-relay').digest();
}

/**
 * The headers a binding from `appId` (of `ministry`) to the app `target`
 * carries: who calls, which app, and a capability for exactly that triple
 * under the relay's key. workerd adds them; the app never sees them.
 */
export function serviceBindingHeaders(
  key: Buffer,
  ministry: string,
  appId: string,
  target: string,
): Record<string, string> {
  return {
    'x-gov-ministry': ministry,
    'x-gov-app': appId,
    'x-gov-service': target,
    'x-gov-capability': serviceCapability(key, ministry, appId, target),
  };
}

function serviceCapability(key: Buffer, ministry: string, appId: string, target: string): string {
  return createHmac('sha256', key).update(`service:${ministry}:${appId}:${target}`).digest('hex');
}

/**
 * Where service bindings lead: a relay that hands an app's call to another
 * app of the same ministry to the citizen gateway (which routes, wakes,
 * limits and meters it like any request). On the embedded default it runs
 * in the agent on loopback with a key of its own; on Kubernetes in each
 * gateway pod, on the pod network, with a key derived from the platform's
 * internal secret (so every gateway replica and the driver agree). workerd
 * adds the caller, its ministry, the target and a capability for exactly
 * that triple to every request; the relay builds the target's host from
 * them alone, so nothing an app sends can name another ministry's app.
 */
export class ServiceRelay {
  readonly address: string;
  readonly #server: http.Server;
  readonly #key: Buffer;
  readonly #baseDomain: string;
  #gateway: string | undefined;

  private constructor(server: http.Server, address: string, baseDomain: string, key: Buffer) {
    this.#server = server;
    this.address = address;
    this.#baseDomain = baseDomain;
    this.#key = key;
  }

  static async start(options: {
    baseDomain: string;
    gateway?: string;
    /** The capabilities' key (default: one of its own, for a relay alone on this machine). */
    key?: Buffer;
    /** Where it listens (default: loopback, any port). */
    host?: string;
    port?: number;
  }): Promise<ServiceRelay> {
    const server = http.createServer();
    const host = options.host ?? '127.0.0.1';
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => resolve((server.address() as AddressInfo).port));
    });
    const relay = new ServiceRelay(
      server,
      `${host}:${port}`,
      options.baseDomain,
      options.key ?? randomBytes(32),
    );
    relay.#gateway = options.gateway;
    server.on('request', (req, res) => relay.#relay(req, res));
    return relay;
  }

  /** Where the citizen gateway listens; known once it announces itself. */
  setGateway(address: string): void {
    this.#gateway = address;
  }

  /** What an instance's binding to `target` carries: the caller, the target and their capability. */
  headersFor(ministry: string, appId: string, target: string): Record<string, string> {
    return serviceBindingHeaders(this.#key, ministry, appId, target);
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  #relay(req: http.IncomingMessage, res: http.ServerResponse): void {
    const refuse = (status: number, message: string) => {
      req.resume();
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify({ error: { code: 'service_binding', message } }));
    };
    const one = (name: string) => {
      const value = req.headers[name];
      return typeof value === 'string' ? value : '';
    };
    const ministry = one('x-gov-ministry');
    const appId = one('x-gov-app');
    const target = one('x-gov-service');
    const presented = Buffer.from(one('x-gov-capability'));
    const expected = Buffer.from(serviceCapability(this.#key, ministry, appId, target));
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
      refuse(403, 'this relay answers the platform’s service bindings only');
      return;
    }
    // What an app forwards is the app's to write: anything but a small whole
    // number counts as the start of a chain, never as room for more hops.
    const said = Number(one(DEPTH_HEADER) || '0');
    const depth = (Number.isInteger(said) && said > 0 ? said : 0) + 1;
    if (depth > MAX_SERVICE_DEPTH) {
      refuse(
        508,
        `apps called each other through service bindings more than ${MAX_SERVICE_DEPTH} deep: a loop?`,
      );
      return;
    }
    const gateway = this.#gateway;
    if (!gateway) {
      refuse(503, 'the citizen gateway is not up yet; try again');
      return;
    }
    const headers: http.OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (HOP_BY_HOP.has(name) || name.startsWith('x-gov-')) continue;
      headers[name] = value;
    }
    headers.host = `${target}.${ministry}.${this.#baseDomain}`;
    headers[DEPTH_HEADER] = String(depth);
    const [host, port] = [
      gateway.slice(0, gateway.lastIndexOf(':')),
      gateway.slice(gateway.lastIndexOf(':') + 1),
    ];
    const upstream = http.request(
      { host, port: Number(port), method: req.method, path: req.url, headers },
      (answer) => {
        const back: http.OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(answer.headers)) {
          if (!HOP_BY_HOP.has(name)) back[name] = value;
        }
        res.writeHead(answer.statusCode ?? 502, back);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      if (!res.headersSent) refuse(502, `the gateway could not be reached: ${error.message}`);
      else res.destroy();
    });
    req.pipe(upstream);
  }
}
