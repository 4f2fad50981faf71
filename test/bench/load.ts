import http from 'node:http';

export interface Target {
  port: number;
  host: string;
}

/** One GET on a keep-alive connection; resolves with the latency in ms, rejects on non-200. */
export function timedGet(agent: http.Agent, target: Target, path = '/'): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: target.port, path, headers: { host: target.host }, agent },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(performance.now() - started)
            : reject(new Error(`HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Sequential requests: the latency a single citizen sees. */
export async function latencies(target: Target, count: number, path = '/'): Promise<number[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const out: number[] = [];
  for (let i = 0; i < 50; i++) await timedGet(agent, target, path); // warm-up
  for (let i = 0; i < count; i++) out.push(await timedGet(agent, target, path));
  agent.destroy();
  return out;
}

/** Closed-loop load at a fixed concurrency for a fixed time; requests per second and errors. */
export async function throughput(
  target: Target,
  concurrency: number,
  durationMs: number,
  path = '/',
) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const deadline = performance.now() + durationMs;
  let ok = 0;
  let errors = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      await timedGet(agent, target, path).then(
        () => {
          ok += 1;
        },
        () => {
          errors += 1;
        },
      );
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return { requestsPerSecond: ok / seconds, errors };
}
