import http from 'node:http';
import { onOutputLines } from '@gov/runtime';

export interface AgentAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: answers are validated by the caller's types.
  json: any;
}

/** Longest line the watch stream may carry (a version's observed state). */
const MAX_WATCH_LINE = 1024 * 1024;

/**
 * HTTP over the agent's Unix socket. A dedicated keep-alive agent: the
 * gateway reports activity and wakes versions through it many times a second.
 */
export class AgentClient {
  readonly #socketPath: string;
  readonly #http = new http.Agent({ keepAlive: true, maxSockets: 16 });

  constructor(socketPath: string) {
    this.#socketPath = socketPath;
  }

  /**
   * Every agent operation is idempotent, so a request that hit a connection
   * closing under it (ECONNRESET, EPIPE) is simply sent again once.
   */
  async request(
    method: string,
    path: string,
    body?: unknown,
    timeoutMs = 30_000,
  ): Promise<AgentAnswer> {
    try {
      return await this.#send(method, path, body, timeoutMs);
    } catch (error) {
      const code = (error as { cause?: string }).cause;
      if (code !== 'ECONNRESET' && code !== 'EPIPE') throw error;
      return this.#send(method, path, body, timeoutMs);
    }
  }

  #send(method: string, path: string, body: unknown, timeoutMs: number): Promise<AgentAnswer> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = http.request(
        {
          socketPath: this.#socketPath,
          path,
          method,
          agent: this.#http,
          timeout: timeoutMs,
          headers: payload
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {},
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown;
            try {
              json = text ? JSON.parse(text) : undefined;
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode ?? 0, json });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`the agent did not answer ${method} ${path}`)));
      req.on('error', (error) =>
        reject(
          Object.assign(new Error(`local agent unreachable: ${error.message}`), {
            code: 'unavailable' as const,
          }),
        ),
      );
      req.end(payload);
    });
  }

  /**
   * Opens the watch stream; calls `onLine` with each parsed line and `onEnd`
   * once when the stream ends for any reason. Returns a function that ends it.
   */
  watch(
    epoch: string,
    since: number,
    onLine: (line: Record<string, unknown>) => void,
    onEnd: (error?: Error) => void,
  ): () => void {
    let ended = false;
    const end = (error?: Error) => {
      if (ended) return;
      ended = true;
      onEnd(error);
    };
    const req = http.request(
      {
        socketPath: this.#socketPath,
        path: `/v1/watch?epoch=${epoch}&resourceVersion=${since}`,
        method: 'GET',
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          end(new Error(`watch answered HTTP ${res.statusCode}`));
          return;
        }
        onOutputLines(
          res,
          (line) => {
            try {
              onLine(JSON.parse(line) as Record<string, unknown>);
            } catch {
              end(new Error('the watch stream carried a line that is not JSON'));
              req.destroy();
            }
          },
          MAX_WATCH_LINE,
        );
        res.on('end', () => end());
        res.on('error', (error) => end(error));
        res.on('close', () => end());
      },
    );
    req.on('error', (error) => end(error));
    req.end();
    return () => {
      req.destroy();
      end();
    };
  }

  close(): void {
    this.#http.destroy();
  }
}
