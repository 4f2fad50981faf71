import http from 'node:http';

/** How a scheduled event ended: as Workers reports a cron's outcome. */
export interface ScheduledOutcome {
  outcome: 'ok' | 'exception' | 'no_handler' | 'timeout' | 'unavailable';
  message?: string;
  durationMs: number;
}

/** Workers lets a scheduled event run 15 minutes; Gov ends the wait sooner, the event keeps its instance. */
export const SCHEDULED_TIMEOUT_MS = 5 * 60 * 1000;

/** Where an instance's scheduled socket listens: loopback locally, the pod's address on a cluster. */
export interface ScheduledTarget {
  host?: string;
  port: number;
  /** The bearer token the socket asks for, where it is reachable beyond loopback. */
  token?: string;
}

/**
 * Delivers one scheduled event to an instance's scheduled socket and waits
 * for the handler to finish. Never throws: every ending is an outcome.
 */
export function runScheduled(
  target: ScheduledTarget,
  event: { cron: string; scheduledTime: number },
  timeoutMs = SCHEDULED_TIMEOUT_MS,
): Promise<ScheduledOutcome> {
  const started = Date.now();
  const body = JSON.stringify(event);
  return new Promise((resolve) => {
    const done = (outcome: Omit<ScheduledOutcome, 'durationMs'>) =>
      resolve({ ...outcome, durationMs: Date.now() - started });
    const req = http.request(
      {
        host: target.host ?? '127.0.0.1',
        port: target.port,
        method: 'POST',
        path: '/',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          ...(target.token ? { authorization: `Bearer ${target.token}` } : {}),
        },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          if (chunks.length < 16) chunks.push(c);
        });
        res.on('end', () => {
          try {
            const answer = JSON.parse(Buffer.concat(chunks).toString()) as ScheduledOutcome;
            if (['ok', 'exception', 'no_handler'].includes(answer.outcome)) {
              done({
                outcome: answer.outcome,
                ...(answer.message ? { message: String(answer.message).slice(0, 2000) } : {}),
              });
              return;
            }
          } catch {
            // Not the entry's answer: the instance failed under the event.
          }
          done({ outcome: 'exception', message: `the instance answered HTTP ${res.statusCode}` });
        });
        res.on('error', (error) => done({ outcome: 'unavailable', message: error.message }));
      },
    );
    req.on('timeout', () => {
      req.destroy();
      done({
        outcome: 'timeout',
        message: `the handler ran past ${Math.round(timeoutMs / 1000)} s`,
      });
    });
    req.on('error', (error) => done({ outcome: 'unavailable', message: error.message }));
    req.end(body);
  });
}
