/** An answer of the API as tests read it: the status and the JSON body, whatever its shape. */
// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON shapes.
export type ApiAnswer = { status: number; json: any };

export type ApiCall = (method: string, url: string, body?: unknown) => Promise<ApiAnswer>;

/**
 * Calls to a running control plane's API with a bearer token, for tests
 * that start one. Both are read at each call: the control plane is started
 * in a beforeAll, after this is made.
 */
export function apiCaller(apiUrl: () => string, token: () => string): ApiCall {
  return async (method, url, body) => {
    const res = await fetch(`${apiUrl()}${url}`, {
      method,
      headers: { authorization: `Bearer ${token()}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: await res.json().catch(() => undefined) };
  };
}

/**
 * A version once it has settled: live and ready, failed, superseded or
 * stopped. Polls every 50 ms, up to `tries` times.
 */
export async function settledVersion(
  call: ApiCall,
  ministry: string,
  app: string,
  version: number,
  tries = 600,
): Promise<ApiAnswer['json']> {
  for (let i = 0; i < tries; i++) {
    const d = (await call('GET', `/v1/ministries/${ministry}/apps/${app}/deployments/${version}`))
      .json;
    if (['failed', 'superseded', 'stopped'].includes(d.status) || (d.status === 'ready' && d.live))
      return d;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`version ${version} of ${app} did not settle`);
}
