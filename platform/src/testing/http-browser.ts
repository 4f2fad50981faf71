/**
 * Just enough of a browser to walk an OpenID sign-in step by step: a cookie
 * jar keyed by host (cookies ignore ports, as in browsers) and manual
 * redirects, so a test can stop at any step and tamper with it.
 */
export class HttpBrowser {
  readonly #jar = new Map<string, Map<string, string>>();

  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}) {
    const target = new URL(url);
    const cookies = this.#jar.get(target.hostname) ?? new Map();
    const headers: Record<string, string> = {};
    if (cookies.size) headers.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(target, {
      method: init.method ?? (body ? 'POST' : 'GET'),
      headers,
      body,
      redirect: 'manual',
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some(
        (a) => /^\s*max-age=0/i.test(a) || /expires=thu, 01 jan 1970/i.test(a),
      );
      const jar = this.#jar.get(target.hostname) ?? new Map<string, string>();
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
      this.#jar.set(target.hostname, jar);
    }
    const location = res.headers.get('location');
    return {
      status: res.status,
      location: location ? new URL(location, target).toString() : undefined,
      text: await res.text(),
      setCookies: res.headers.getSetCookie(),
    };
  }

  /** Follows redirects until `stop(url)` says to stop or a page answers. */
  async follow(url: string, stop: (url: string) => boolean = () => false) {
    let current = url;
    for (let i = 0; i < 10; i++) {
      if (stop(current)) return { url: current, page: undefined };
      const res = await this.request(current);
      if (!res.location) return { url: current, page: res };
      current = res.location;
    }
    throw new Error(`too many redirects from ${url}`);
  }

  dropCookie(host: string, name: string) {
    this.#jar.get(host)?.delete(name);
  }
}

/** Signs in at the development provider's login form (any password is accepted there). */
export async function signInAtProvider(
  browser: HttpBrowser,
  interactionUrl: string,
  account: string,
) {
  const form = await browser.request(interactionUrl);
  if (!form.text.includes('name="login"'))
    throw new Error(`no login form at ${interactionUrl}: ${form.status}`);
  const posted = await browser.request(`${interactionUrl}/login`, {
    form: { login: account, password: 'x' },
  });
  if (!posted.location)
    throw new Error(
      `login did not redirect: ${posted.status} ${posted.text.replace(/<style>.*<\/style>/s, '').slice(0, 600)}`,
    );
  return posted.location;
}
