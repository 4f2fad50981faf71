import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    await p.table.refresh();
    const res = await p.citizen('bientot.interieur.localhost', '/');
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('30');
    expect(res.body).toContain('Service pas encore disponible');
  });

  it('brings a killed workerd process back and serves again', async () => {
    const [instance] = (await p.driver.list()).filter((o) => o.state === 'ready');
    const pid = p.driver.pidOf(instance?.deploymentId ?? '');
    expect(pid).toBeDefined();
    process.kill(pid as number, 'SIGKILL');
    await expect
      .poll(async () => (await p.citizen(host, '/')).status, { timeout: 10_000, interval: 100 })
      .toBe(200);
    expect(p.driver.pidOf(instance?.deploymentId ?? '')).not.toBe(pid);
  });

  it('keeps serving live apps when the database is gone', async () => {
    const scratch = await platformHarness();
    await scratch.deploy(
      'finances',
      'impots',
      `export default { fetch() { return new Response('toujours là'); } };`,
    );
    await scratch.database.close();
    await expect(scratch.table.refresh()).rejects.toThrow();
    const res = await scratch.citizen('impots.finances.localhost', '/');
    expect(res.body).toBe('toujours là');
    await scratch.close();
  });
});

describe('scale to zero', () => {
  it('stops an idle app and answers the next request by starting it again', async () => {
    const idle = await platformHarness({ idleTimeoutMs: 300 });
    try {
      const dep = await idle.deploy(
        'sante',
        'rdv',
        `export default { fetch() { return new Response('réveillé'); } };`,
      );
      const pid = idle.driver.pidOf(dep.id);
      await expect
        .poll(async () => (await idle.driver.list())[0]?.state, { timeout: 5_000 })
        .toBe('idle');
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
      expect((await idle.driver.list())[0]?.state).toBe('ready');
    } finally {
      await idle.close();
    }
  });
});
