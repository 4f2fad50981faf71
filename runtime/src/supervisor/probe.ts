import http from 'node:http';

export type ProbeResult = { ok: true; status: number } | { ok: false; reason: string };

/**
 * Readiness probe: GET / on the app. Any answer below 500 means the app is
 * up (a procedure may well answer 404 or a redirect on "/"); a 5xx means its
 * handler is broken, so the version must not replace a working one.
 */
export function probeHttp(port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/',
        method: 'GET',
        headers: { 'user-agent': 'gov-readiness-probe', 'x-gov-probe': '1' },
        timeout: timeoutMs,
        agent: false,
      },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        resolve(
          status < 500
            ? { ok: true, status }
            : { ok: false, reason: `GET / answered HTTP ${status}` },
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (error) => resolve({ ok: false, reason: `GET / failed: ${error.message}` }));
    req.end();
  });
}
