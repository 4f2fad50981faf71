import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { runCli } from '../cli/run.ts';

/**
 * Test helpers for the sdk: the CLI run in-process, and a throwaway HTTP
 * server on 127.0.0.1. Not part of the sdk's public API.
 */

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI in-process with exactly the environment given (none by
 * default), so that the developer's own GOV_* variables never leak in.
 *
 * @example
 * const { code, stderr } = await cli(['apps', 'list'], { GOV_TOKEN: 't' }, tmp);
 */
export async function cli(argv: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    cwd,
    env,
    stdout: (s) => {
      stdout += s;
    },
    stderr: (s) => {
      stderr += s;
    },
  });
  return { code, stdout, stderr };
}

export interface TestServer {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts a server on 127.0.0.1 and an OS-chosen port; close it after the test.
 *
 * @example
 * const server = await startServer((req, res) => res.end('ok'));
 * try { await fetch(server.url); } finally { await server.close(); }
 */
export async function startServer(handler: http.RequestListener): Promise<TestServer> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The body of a request, as text. */
export async function bodyOf(req: http.IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  return body;
}
