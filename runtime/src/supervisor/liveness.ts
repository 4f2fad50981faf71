import http from 'node:http';

/**
 * workerd runs its isolates on one thread: an app stuck in `while (true)`
 * blocks every worker of its process, including a tiny one the platform adds
 * on a second socket. That one answering is the proof the instance is alive;
 * when it stops answering for `failures` probes in a row, the instance is
 * wedged and `onWedged` is called (once).
 */
export function watchLiveness(options: {
  port: number;
  intervalMs: number;
  failures: number;
  onWedged: () => void;
}): () => void {
  let misses = 0;
  let stopped = false;
  const probe = () =>
    new Promise<boolean>((resolve) => {
      const req = http.get(
        {
          host: '127.0.0.1',
          port: options.port,
          path: '/',
          timeout: options.intervalMs,
          agent: false,
        },
        (res) => {
          res.resume();
          resolve(res.statusCode === 204);
        },
      );
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(false));
    });
  const timer = setInterval(async () => {
    if (stopped) return;
    misses = (await probe()) ? 0 : misses + 1;
    if (misses >= options.failures && !stopped) {
      stopped = true;
      clearInterval(timer);
      options.onWedged();
    }
  }, options.intervalMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
