import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { platformHarness } from '../testing/platform-harness.ts';

let p: Awaited<ReturnType<typeof platformHarness>>;
beforeAll(async () => {
  p = await platformHarness({ requestTimeoutMs: 1_000 });
  await p.deploy(
    'interieur',
    'echo',
    `export default { async fetch(req) {
      const url = new URL(req.url);
      if (url.pathname === '/lent') { await new Promise((r) => setTimeout(r, 5000)); return new Response('trop tard'); }
      if (url.pathname === '/flux') {
        const { readable, writable } = new TransformStream();
        const w = writable.getWriter();
        (async () => { for (let i = 0; i < 3; i++) { await w.write(new TextEncoder().encode('morceau ' + i + '\\n')); await new Promise((r) => setTimeout(r, 300)); } await w.close(); })();
        return new Response(readable, { headers: { 'content-type': 'text/plain' } });
      }
      const body = req.method === 'POST' ? await req.text() : '';
      return new Response(JSON.stringify({
        method: req.method, path: url.pathname + url.search, host: req.headers.get('host'),
        requestId: req.headers.get('x-request-id'), forged: req.headers.get('x-gov-citizen'),
        bodyLength: body.length,
      }), { status: url.pathname === '/cree' ? 201 : 200, headers: { 'content-type': 'application/json', 'x-app': 'oui' } });
    } };`,
  );
}, 60_000);
afterAll(() => p.close());

const host = 'echo.interieur.localhost';

describe('citizen gateway', () => {
  it('routes by host and passes method, path, headers and status through', async () => {
    const res = await p.citizen(`${host}:8080`, '/cree?x=1', {
      method: 'POST',
      body: 'nom=Traoré',
      headers: { 'x-gov-citizen': 'forged-identity' },
    });
    expect(res.status).toBe(201);
    expect(res.headers['x-app']).toBe('oui');
    expect(res.headers['x-gov-deployment']).toMatch(/^dep_/);
    const seen = JSON.parse(res.body);
    expect(seen).toMatchObject({
      method: 'POST',
      path: '/cree?x=1',
      host: `${host}:8080`,
      bodyLength: 10,
    });
    // The app sees the same request id the citizen gets back, and no forged platform header.
    expect(seen.requestId).toBe(res.headers['x-request-id']);
    expect(seen.forged).toBeNull();
  });

  it('streams a large request body without buffering it whole', async () => {
    const body = 'a'.repeat(5 * 1024 * 1024);
    const res = await p.citizen(host, '/upload', { method: 'POST', body });
    expect(JSON.parse(res.body).bodyLength).toBe(body.length);
  });

  it('streams the response: the first chunk arrives before the app has finished', async () => {
    const firstChunk = await new Promise<{ chunk: string; ended: boolean }>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: p.gatewayPort, path: '/flux', headers: { host } },
        (res) => {
          let ended = false;
          res.on('end', () => {
            ended = true;
          });
          res.once('data', (c: Buffer) => {
            resolve({ chunk: c.toString(), ended });
            res.resume();
          });
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(firstChunk).toEqual({ chunk: 'morceau 0\n', ended: false });
  });

  it('answers 504 with a French page when the app is too slow', async () => {
    const res = await p.citizen(host, '/lent');
    expect(res.status).toBe(504);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.body).toContain('<html lang="fr">');
    expect(res.body).toContain('Le service met trop de temps à répondre');
    expect(res.body).toContain(String(res.headers['x-request-id']));
  });

  it('answers unknown hosts with a French 404 page', async () => {
    for (const unknown of [
      'inconnu.interieur.localhost',
      'localhost',
      'a.b.c.localhost',
      'evil.com',
    ]) {
      const res = await p.citizen(unknown, '/');
      expect(res.status).toBe(404);
      expect(res.body).toContain('Service introuvable');
    }
  });

  it('answers an app without a working version with a French 503 page', async () => {
    await p.call('POST', '/v1/ministries/interieur/apps', { name: 'bientot' });
    // The gateway hears of the new app at once, without waiting for a refresh.
    await expect
      .poll(async () => (await p.citizen('bientot.interieur.localhost', '/')).status)
      .toBe(503);
    const res = await p.citizen('bientot.interieur.localhost', '/');
    expect(res.headers['retry-after']).toBe('30');
    expect(res.body).toContain('Service pas encore disponible');
  });

  it('brings a killed workerd process back and serves again', async () => {
    const live = (await p.call('GET', '/v1/ministries/interieur/apps/echo/deployments/1')).json;
    const [pid] = await p.driver.pidsOf(live.id);
    expect(pid).toBeDefined();
    process.kill(pid as number, 'SIGKILL');
    await expect
      .poll(async () => (await p.citizen(host, '/')).status, { timeout: 10_000, interval: 100 })
      .toBe(200);
    expect(await p.driver.pidsOf(live.id)).not.toContain(pid);
  });

  it('keeps serving live apps when the control plane and its database are gone', async () => {
    const scratch = await platformHarness();
    try {
      await scratch.deploy(
        'finances',
        'impots',
        `export default { fetch() { return new Response('toujours là'); } };`,
      );
      await scratch.platform.stopControlPlane();
      for (let i = 0; i < 20; i++) {
        const res = await scratch.citizen('impots.finances.localhost', '/');
        expect(res.body).toBe('toujours là');
      }
    } finally {
      await scratch.close();
    }
  });
});

describe('scale to zero', () => {
  it('stops an idle app and answers the next request by starting it again', async () => {
    // Long enough that the woken instance is still up when it is observed
    // right after the answer, even on a loaded machine.
    const idle = await platformHarness({ idleTimeoutMs: 1_500 });
    try {
      const dep = await idle.deploy(
        'sante',
        'rdv',
        `export default { fetch() { return new Response('réveillé'); } };`,
      );
      const [pid] = await idle.driver.pidsOf(dep.id);
      const observed = async () =>
        (await idle.driver.list()).find((o) => o.deploymentId === dep.id);
      await expect.poll(async () => (await observed())?.idle, { timeout: 10_000 }).toBe(true);
      // Idle is declared when the stop begins; the process is gone soon after.
      await expect
        .poll(() => {
          try {
            process.kill(pid as number, 0);
            return 'running';
          } catch {
            return 'gone';
          }
        })
        .toBe('gone');
      const res = await idle.citizen('rdv.sante.localhost', '/');
      expect(res).toMatchObject({ status: 200, body: 'réveillé' });
      expect((await observed())?.instances.ready).toBe(1);
    } finally {
      await idle.close();
    }
  });

  it('retries a wake that failed, and answers a French 503 with Retry-After meanwhile', async () => {
    // A citizen waits for a wake at most within the request timeout: short here.
    const idle = await platformHarness({
      idleTimeoutMs: 300,
      startTimeoutMs: 1_000,
      requestTimeoutMs: 1_500,
    });
    try {
      const breakAt = Date.now() + 2_000;
      const fixAt = breakAt + 3_000;
      const dep = await idle.deploy(
        'sante',
        'reveil',
        `export default { fetch(req) {
          if (new URL(req.url).pathname === '/sante') {
            const t = Date.now();
            return new Response('', { status: t > ${breakAt} && t < ${fixAt} ? 503 : 200 });
          }
          return new Response('debout');
        } };`,
        {},
        { healthPath: '/sante' },
      );
      expect(dep.status).toBe('ready');
      await expect
        .poll(async () => (await idle.driver.list()).find((o) => o.deploymentId === dep.id)?.idle)
        .toBe(true);
      await new Promise((r) => setTimeout(r, Math.max(0, breakAt - Date.now() + 100)));
      const during = await idle.citizen('reveil.sante.localhost', '/');
      expect(during.status).toBe(503);
      expect(Number(during.headers['retry-after'])).toBeGreaterThan(0);
      expect(during.body).toContain('momentanément indisponible');
      // No restart of anything: the platform keeps trying, and the app answers once it can.
      await expect
        .poll(async () => (await idle.citizen('reveil.sante.localhost', '/')).body, {
          timeout: 20_000,
          interval: 500,
        })
        .toBe('debout');
    } finally {
      await idle.close();
    }
  }, 40_000);
});

describe('unusual and hostile requests at the gateway', () => {
  const prise = 'prise.interieur.localhost';
  beforeAll(async () => {
    await p.deploy(
      'interieur',
      'prise',
      `export default { fetch(req) {
        const url = new URL(req.url);
        if (req.headers.get('upgrade') === 'websocket') {
          const [client, server] = Object.values(new WebSocketPair());
          server.accept();
          server.addEventListener('message', (e) => server.send('écho: ' + e.data));
          return new Response(null, { status: 101, webSocket: client });
        }
        if (url.pathname === '/cookie') {
          const headers = new Headers();
          headers.append('set-cookie', 'session=1; Domain=.localhost; Path=/; HttpOnly');
          headers.append('set-cookie', 'langue=fr;domain=interieur.localhost');
          return new Response('ok', { headers });
        }
        return new Response('prise');
      } };`,
    );
  }, 60_000);

  /** Sends raw bytes to the gateway and returns what it answered before closing. */
  function raw(text: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(p.gatewayPort, '127.0.0.1', () => socket.write(text));
      let answer = '';
      socket.on('data', (c: Buffer) => {
        answer += c.toString();
      });
      socket.on('end', () => resolve(answer));
      socket.on('close', () => resolve(answer));
      socket.on('error', reject);
      socket.setTimeout(5_000, () => socket.destroy(new Error('no answer')));
    });
  }

  it('answers absolute-form and "*" targets with 400, never forwarding them to an app', async () => {
    for (const target of [`http://${prise}/`, 'http://127.0.0.1:1/', '*']) {
      const answer = await raw(
        `GET ${target} HTTP/1.1\r\nHost: ${prise}\r\nConnection: close\r\n\r\n`,
      );
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer).toContain('Adresse invalide');
      expect(answer).not.toContain('prise\r\n');
    }
  });

  it('refuses CONNECT with an answer instead of dropping the connection', async () => {
    const answer = await raw(`CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n`);
    expect(answer).toMatch(/^HTTP\/1\.1 405 /);
  });

  it('carries a WebSocket to the app and back', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${p.gatewayPort}/direct`, {
      headers: { host: prise },
    });
    const reply = await new Promise<string>((resolve, reject) => {
      ws.on('open', () => ws.send('bonjour'));
      ws.on('message', (data) => resolve(data.toString()));
      ws.on('error', reject);
    });
    expect(reply).toBe('écho: bonjour');
    ws.close();
  });

  it('keeps an app’s cookies to its own host: Domain= is removed', async () => {
    const res = await p.citizen(prise, '/cookie');
    expect(res.headers['set-cookie']).toEqual(['session=1; Path=/; HttpOnly', 'langue=fr']);
  });

  it('sends a strict Content-Security-Policy, no framing and nosniff with its own pages', async () => {
    const res = await p.citizen('inconnu.interieur.localhost');
    expect(res.status).toBe(404);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});
