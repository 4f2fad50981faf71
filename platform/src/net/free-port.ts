import { readFileSync } from 'node:fs';
import net from 'node:net';

/** Ports the kernel hands out for "any port" binds (workerd's, outgoing connections). */
function ephemeralRange(): [number, number] {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (low && high) return [low, high];
  } catch {
    // Not Linux: use the IANA dynamic range.
  }
  return [49152, 65535];
}

function tryListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * A port that is free now and that the kernel will not hand to someone
 * else's "any port" bind meanwhile: it is chosen below the ephemeral range.
 * A port picked with `listen(0)` and released is in that range, and a
 * workerd starting a moment later may be given exactly it.
 */
export async function pickFreePort(host = '127.0.0.1'): Promise<number> {
  const [ephemeralLow] = ephemeralRange();
  const high = Math.max(10_001, ephemeralLow - 1);
  const low = Math.min(high - 1, 10_000);
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (await tryListen(port, host)) return port;
  }
  throw new Error(`no free port between ${low} and ${high} on ${host}`);
}
