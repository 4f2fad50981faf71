import http from 'node:http';

export type ProbeResult = { ok: true; status: number } | { ok: false; reason: string };

/**
 * The app's declared health check (`gov.healthPath`): healthy when it answers
 * 2xx or 3xx. Only apps that declare a path are probed; readiness otherwise
 * is workerd listening with the app's modules evaluated.
 */
export function probeHealth(
  port: number,
  healthPath: string,
  timeoutMs: number,
): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: healthPath,
        method: 'GET',
        headers: { 'user-agent': 'gov-health-check', 'x-gov-probe': '1' },
        timeout: timeoutMs,
        agent: false,
      },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        resolve(
          status >= 200 && status < 400
            ? { ok: true, status }
            : { ok: false, reason: `GET ${healthPath} answered HTTP ${status}` },
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (error) =>
      resolve({ ok: false, reason: `GET ${healthPath} failed: ${error.message}` }),
    );
    req.end();
  });
}
