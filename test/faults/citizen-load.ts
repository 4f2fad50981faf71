import http from 'node:http';
import { percentile } from '../bench/stats.ts';

export interface LoadResult {
  requests: number;
  failed: number;
  /** What the failures were, first few. */
  failures: string[];
  p99Ms: number;
}

/**
 * Citizens at a fixed concurrency, each sending the next request as soon as
 * the last one answered, over keep-alive connections like browsers, until
 * `stop` resolves. Any answer but 200 (or a connection error) is a failure.
 */
export async function citizenLoad(
  target: { port: number; host: string; path?: string },
  concurrency: number,
  stop: Promise<unknown>,
): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  let done = false;
  void stop.finally(() => {
    done = true;
  });
  const latencies: number[] = [];
  const failures: string[] = [];
  let failed = 0;
  let requests = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      requests += 1;
      const started = performance.now();
      const req = http.request(
        {
          host: '127.0.0.1',
          port: target.port,
          path: target.path ?? '/',
          headers: { host: target.host },
          agent,
          timeout: 30_000,
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(performance.now() - started);
            if (res.statusCode !== 200) {
              failed += 1;
              if (failures.length < 10) failures.push(`HTTP ${res.statusCode}`);
            }
            resolve();
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('no answer in 30 s')));
      req.on('error', (error) => {
        failed += 1;
        if (failures.length < 10) failures.push(error.message);
        resolve();
      });
      req.end();
    });
  const worker = async () => {
    while (!done) await one();
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  agent.destroy();
  return { requests, failed, failures, p99Ms: percentile(latencies, 99) };
}
