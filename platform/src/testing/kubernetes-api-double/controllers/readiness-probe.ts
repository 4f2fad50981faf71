import http from 'node:http';
import net from 'node:net';
import { arrayAt, isJsonObject, type JsonObject, type KubeObject, objectAt } from '../objects.ts';

/** The first container's readiness probe, with the numbers a kubelet reads from it. */
export interface ReadinessProbe {
  check: (podIp: string) => Promise<boolean>;
  initialDelayMs: number;
  failureThreshold: number;
}

/** A named port is looked up among the container's ports, as the kubelet does. */
function portOf(container: JsonObject, port: unknown): number | undefined {
  if (typeof port === 'number') return port;
  for (const p of arrayAt(container, ['ports'])) {
    if (isJsonObject(p) && p.name === port && typeof p.containerPort === 'number') {
      return p.containerPort;
    }
  }
  return undefined;
}

function httpGet(host: string, port: number, path: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host, port, path, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      // The kubelet's rule: 200 to 399 is success.
      resolve(status >= 200 && status < 400);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
  });
}

function tcpConnect(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => socket.destroy());
    socket.once('error', () => resolve(false));
    socket.once('close', () => resolve(false));
  });
}

/**
 * The readiness probe of a pod's first container that has one (httpGet or
 * tcpSocket, at the pod's address), or undefined: a container without one
 * is ready once it runs. An exec probe cannot run here and counts as absent.
 */
export function readinessProbeOf(pod: KubeObject): ReadinessProbe | undefined {
  for (const container of arrayAt(pod, ['spec', 'containers']).filter(isJsonObject)) {
    const probe = objectAt(container, ['readinessProbe']);
    if (!probe) continue;
    const timeoutMs = (typeof probe.timeoutSeconds === 'number' ? probe.timeoutSeconds : 1) * 1000;
    const numbers = {
      initialDelayMs:
        (typeof probe.initialDelaySeconds === 'number' ? probe.initialDelaySeconds : 0) * 1000,
      failureThreshold: typeof probe.failureThreshold === 'number' ? probe.failureThreshold : 3,
    };
    const get = objectAt(probe, ['httpGet']);
    const getPort = get && portOf(container, get.port);
    if (get && getPort !== undefined) {
      const path = typeof get.path === 'string' ? get.path : '/';
      return { ...numbers, check: (ip) => httpGet(ip, getPort, path, timeoutMs) };
    }
    const tcp = objectAt(probe, ['tcpSocket']);
    const tcpPort = tcp && portOf(container, tcp.port);
    if (tcpPort !== undefined) {
      return { ...numbers, check: (ip) => tcpConnect(ip, tcpPort, timeoutMs) };
    }
  }
  return undefined;
}
