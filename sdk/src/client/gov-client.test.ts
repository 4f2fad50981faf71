import type http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { isUserError, reportError } from '../cli/errors.ts';
import { bodyOf, startServer, type TestServer } from '../testing/harness.ts';
import { GovClient } from './gov-client.ts';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

interface Seen {
  method: string | undefined;
  url: string | undefined;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A throwaway API that records each request and answers with `status` and `body`. */
async function api(status: number, body: unknown, headers: Record<string, string> = {}) {
  const seen: Seen[] = [];
  server = await startServer(async (req, res) => {
    seen.push({ method: req.method, url: req.url, headers: req.headers, body: await bodyOf(req) });
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  return { client: new GovClient(`${server.url}/`, 'gov_tok'), seen };
}

const envelope = (code: string, message: string, hint?: string) => ({
  error: { code, message, ...(hint ? { hint } : {}), requestId: 'req_42' },
});

describe('GovClient', () => {
  it('sends authenticated JSON to the contract paths', async () => {
    const { client, seen } = await api(202, { id: 'dep_1', version: 3, status: 'pending' });
    const bundle = {
      mainModule: 'index.js',
      modules: [{ name: 'index.js', type: 'esModule' as const, contentBase64: 'eA==' }],
      compatibilityDate: '2026-04-01',
    };
    expect(await client.createDeployment('demo', 'demarche', bundle)).toMatchObject({
      version: 3,
    });
    await client.rollback('demo', 'demarche', 2);
    await client.rollback('demo', 'demarche');
    await client.getDeployment('demo', 'demarche', 3);
    expect(seen.map((s) => `${s.method} ${s.url} ${s.body}`)).toEqual([
      `POST /v1/ministries/demo/apps/demarche/deployments ${JSON.stringify(bundle)}`,
      'POST /v1/ministries/demo/apps/demarche/rollback {"version":2}',
      'POST /v1/ministries/demo/apps/demarche/rollback {}',
      'GET /v1/ministries/demo/apps/demarche/deployments/3 ',
    ]);
    expect(seen[0]?.headers).toMatchObject({
      authorization: 'Bearer gov_tok',
      'content-type': 'application/json',
    });
  });

  it('turns the error envelope into a UserError with message, hint and request id', async () => {
    const { client } = await api(413, envelope('bundle_too_large', 'too big', 'trim it'));
    const error = await client.listApps('demo').catch((e: unknown) => e);
    expect(isUserError(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'bundle_too_large',
      message: 'too big',
      hint: 'trim it',
      requestId: 'req_42',
    });
  });

  it('treats 409 on app creation as "already exists"', async () => {
    const { client } = await api(409, envelope('conflict', 'app demarche already exists'));
    expect(await client.createApp('demo', 'demarche')).toBeUndefined();
  });

  it('reports the platform failing as a bug, with its request id (exit 2)', async () => {
    const { client } = await api(500, envelope('internal_error', 'the platform hit an error'));
    const error = await client.getApp('demo', 'demarche').catch((e: unknown) => e);
    expect(isUserError(error)).toBe(false);
    let out = '';
    expect(reportError(error, false, (s) => (out += s))).toBe(2);
    expect(out).toMatch(
      /^gov: unexpected error \(request id req_42\): the platform hit an error\n/,
    );
    expect(out).not.toMatch(/\n\s+at /);
    out = '';
    reportError(error, true, (s) => (out += s));
    expect(out).toMatch(/\n\s+at /); // the stack, with --verbose
  });

  it('names the status when there is no envelope (a proxy page)', async () => {
    const { client } = await api(502, '<html>Bad gateway</html>', { 'x-request-id': 'req_px' });
    await expect(client.listApps('demo')).rejects.toMatchObject({
      code: 'http_502',
      message: 'the API answered HTTP 502',
      requestId: 'req_px',
    });
  });

  it('says it cannot reach a closed port, and how to start the API', async () => {
    const closed = await startServer(() => {});
    await closed.close();
    const client = new GovClient(closed.url, 'gov_tok');
    const error = await client.listApps('demo').catch((e: unknown) => e);
    expect(isUserError(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'unreachable',
      message: expect.stringMatching(`^cannot reach the Gov API at ${closed.url}`),
      hint: 'start it with `npm start`, or set GOV_API_URL',
    });
  });

  it('gives up on an API that does not answer', async () => {
    server = await startServer(() => {}); // never answers
    const client = new GovClient(server.url, 'gov_tok', { timeoutMs: 200 });
    await expect(client.listApps('demo')).rejects.toMatchObject({
      code: 'unreachable',
      message: expect.stringMatching(/did not answer within 0.2 s/),
    });
  });
});
