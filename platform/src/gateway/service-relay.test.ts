import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleOf } from '../testing/api-harness.ts';
import { platformHarness } from '../testing/platform-harness.ts';
import { ServiceRelay } from './service-relay.ts';

/**
 * Service bindings on the embedded default, through real workerd: an app
 * calls another app of its ministry with env.NAME.fetch, through the
 * agent's relay and the citizen gateway; an app of the same name in
 * another ministry is never reached, whatever the caller sends.
 */
const REGISTRY = (who: string) => `
export default {
  async fetch(request) {
    const url = new URL(request.url);
    return Response.json({
      registre: ${JSON.stringify(who)},
      method: request.method,
      path: url.pathname + url.search,
      body: request.method === 'POST' ? await request.text() : null,
      leaked: [...request.headers.keys()].filter((h) => h.startsWith('x-gov-')),
    });
  },
};
`;

const COUNTER = `
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/forge') {
      // Headers an app might send to reach another ministry's registry.
      const answer = await env.ETAT.fetch('http://justice.localhost/acte', {
        headers: { 'x-gov-ministry': 'justice', 'x-gov-service': 'etat-civil', host: 'etat-civil.justice.localhost' },
      });
      return new Response(await answer.text(), { status: answer.status });
    }
    if (url.pathname === '/boucle') return env.MOI.fetch(request);
    const answer = await env.ETAT.fetch('http://nimporte/acte?numero=42', { method: 'POST', body: 'demande' });
    return new Response(await answer.text(), { status: answer.status });
  },
};
`;

let h: Awaited<ReturnType<typeof platformHarness>>;
beforeAll(async () => {
  h = await platformHarness();
  await h.deploy('sante', 'etat-civil', REGISTRY('santé'));
  await h.deploy('justice', 'etat-civil', REGISTRY('justice'));
  await h.call('POST', '/v1/ministries/sante/apps', { name: 'guichet' });
  const guichet = await h.deploy(
    'sante',
    'guichet',
    COUNTER,
    {},
    {
      services: [
        { name: 'ETAT', app: 'etat-civil' },
        { name: 'MOI', app: 'guichet' },
      ],
    },
  );
  expect(guichet.status).toBe('ready');
}, 120_000);
afterAll(async () => {
  await h?.close();
});

describe('service bindings', () => {
  it('reach the app of the same ministry with the request as sent, and no platform header', async () => {
    const page = await h.citizen('guichet.sante.localhost');
    expect(page.status).toBe(200);
    expect(JSON.parse(page.body)).toEqual({
      registre: 'santé',
      method: 'POST',
      path: '/acte?numero=42',
      body: 'demande',
      leaked: [],
    });
  });

  it('never reach another ministry, whatever headers the caller sends', async () => {
    const forged = await h.citizen('guichet.sante.localhost', '/forge');
    expect(forged.body).not.toMatch(/justice"/);
    // Either the platform's headers won (the ministry's own registry), or the capability failed.
    if (forged.status === 200) expect(JSON.parse(forged.body).registre).toBe('santé');
    else expect(forged.status).toBe(403);
  });

  it('stop a loop of calls instead of letting it run', async () => {
    const loop = await h.citizen('guichet.sante.localhost', '/boucle');
    expect(loop.status).toBe(508);
    expect(loop.body).toMatch(/more than 16 deep: a loop\?/);
  });

  it('are refused at deploy when the ministry has no app of that name', async () => {
    const res = await h.call(
      'POST',
      '/v1/ministries/sante/apps/guichet/deployments',
      bundleOf(COUNTER, { services: [{ name: 'ETAT', app: 'casier' }] }),
    );
    expect(res.status).toBe(422);
    expect(res.json.error.message).toMatch(
      /service binding to "casier": ministry sante has no app of that name/,
    );
  });
});

describe('the service relay', () => {
  it('answers nothing but a binding workerd marked: a forged capability is refused', async () => {
    const relay = await ServiceRelay.start({ baseDomain: 'localhost', gateway: '127.0.0.1:9' });
    try {
      const granted = relay.headersFor('sante', 'app_guichet', 'etat-civil');
      const forged = { ...granted, 'x-gov-ministry': 'justice' };
      const res = await fetch(`http://${relay.address}/acte`, { headers: forged });
      expect(res.status).toBe(403);
      expect(await res.text()).toMatch(/answers the platform’s service bindings only/);
      const none = await fetch(`http://${relay.address}/acte`);
      expect(none.status).toBe(403);
    } finally {
      await relay.close();
    }
  });

  it('counts a depth an app sends as negative or odd as the start of a chain, never as more room', async () => {
    // A gateway that is never reached: what matters is whether the relay forwards at all.
    const relay = await ServiceRelay.start({ baseDomain: 'localhost', gateway: '127.0.0.1:9' });
    try {
      const granted = relay.headersFor('sante', 'app_guichet', 'etat-civil');
      for (const depth of ['-1000000', '1e9', 'abc', '15.5']) {
        const res = await fetch(`http://${relay.address}/`, {
          headers: { ...granted, 'gov-service-depth': depth },
        });
        // Forwarded (the gateway is down: 502), not refused as a loop, nor let past its limit.
        expect(res.status, depth).toBe(depth === '1e9' ? 508 : 502);
      }
      const atLimit = await fetch(`http://${relay.address}/`, {
        headers: { ...granted, 'gov-service-depth': '16' },
      });
      expect(atLimit.status).toBe(508);
    } finally {
      await relay.close();
    }
  });
});
