import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { bundleOf } from '../../platform/src/testing/api-harness.ts';
import { citizenRequest } from '../support/citizen.ts';
import { api, type PlatformProcess } from '../support/platform-process.ts';
import { citizenLoad, type LoadResult } from './citizen-load.ts';

export interface AttackResult {
  attack: string;
  /** The attack did what it does, and the platform held: processes up, neighbour served. */
  contained: boolean;
  /** What citizens of a neighbour app (another ministry) saw during the attack. */
  neighbour: LoadResult;
  detail: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const NEIGHBOUR = { ministry: 'voisin', app: 'tranquille' };

/** Hostile apps, as real Workers code a ministry could upload. */
const HOSTILE = {
  'bombe-journal': `export default { fetch(req) {
    if (new URL(req.url).pathname !== '/bombe') return new Response('pret');
    const line = 'x'.repeat(40 * 1024 * 1024);
    for (let i = 0; i < 14; i++) console.log(line);
    return new Response('fini');
  } };`,
  boucle: `export default { fetch(req) {
    if (new URL(req.url).pathname === '/boucle') { while (true) {} }
    return new Response('libre');
  } };`,
  // Tries to reach whatever address it is given, by fetch and by a raw TCP socket.
  sonde: `import { connect } from 'cloudflare:sockets';
  export default { async fetch(req) {
    const target = new URL(req.url).searchParams.get('cible');
    const tries = {};
    try {
      const res = await fetch(target, { headers: { host: new URL(req.url).searchParams.get('hote') ?? '' } });
      tries.fetch = res.status + ' ' + (res.headers.get('x-gov-egress') ?? '') + ' ' + (await res.text()).slice(0, 80);
    } catch (e) { tries.fetch = 'error: ' + e.message; }
    try {
      const u = new URL(target);
      const socket = connect({ hostname: u.hostname, port: Number(u.port) });
      const writer = socket.writable.getWriter();
      await writer.write(new TextEncoder().encode('GET / HTTP/1.0\\r\\n\\r\\n'));
      const { value } = await socket.readable.getReader().read();
      tries.socket = 'read ' + (value ? value.length : 0) + ' bytes';
    } catch (e) { tries.socket = 'error: ' + e.message; }
    return Response.json(tries);
  } };`,
  'bombe-memoire': `const hoard = [];
  export default { fetch(req) {
    if (new URL(req.url).pathname === '/bombe') {
      for (let i = 0; i < 4096; i++) hoard.push(new Uint8Array(1024 * 1024).fill(7));
    }
    return new Response('tenu ' + hoard.length);
  } };`,
};

async function deploy(
  p: PlatformProcess,
  ministry: string,
  app: string,
  source: string,
  memoryMib = 128,
) {
  await api(p, 'POST', `/v1/ministries/${ministry}/apps`, { name: app });
  const res = await api(
    p,
    'POST',
    `/v1/ministries/${ministry}/apps/${app}/deployments`,
    bundleOf(source, { limits: { memoryMib } }),
  );
  for (let i = 0; i < 200; i++) {
    const d = await api(
      p,
      'GET',
      `/v1/ministries/${ministry}/apps/${app}/deployments/${res.json.version}`,
    );
    if (d.json.live) {
      await servedByGateway(p, `${app}.${ministry}.localhost`);
      return d.json as { id: string; version: number };
    }
    if (d.json.status === 'failed') throw new Error(`${app} failed: ${d.json.statusReason}`);
    await sleep(100);
  }
  throw new Error(`${app} did not go live`);
}

/**
 * Live for the API; the gateway gets its route a moment later. Every app
 * here answers `/` harmlessly (the attacks are on other paths).
 */
async function servedByGateway(p: PlatformProcess, host: string) {
  for (let i = 0; i < 100; i++) {
    const res = await citizenRequest(`http://${host}:${p.gatewayPort}/`).catch(() => ({
      status: 0,
    }));
    if (res.status === 200) return;
    await sleep(100);
  }
  throw new Error(`${host} is live but the gateway does not serve it`);
}

async function events(p: PlatformProcess, ministry: string, app: string, version: number) {
  const res = await api(
    p,
    'GET',
    `/v1/ministries/${ministry}/apps/${app}/deployments/${version}/events`,
  );
  return ((res.json?.events ?? []) as Array<{ type: string; count: number }>).map((e) => e.type);
}

async function platformUp(p: PlatformProcess, pids: Record<string, number>) {
  for (const pid of Object.values(pids)) {
    try {
      process.kill(pid, 0);
    } catch {
      return false;
    }
  }
  return (await fetch(`${p.apiUrl}/readyz`).catch(() => undefined))?.ok === true;
}

async function rssMib(pid: number) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0) / 1024;
}

/** Runs `attack` while citizens use the neighbour app; reports what they saw. */
async function during(p: PlatformProcess, attack: () => Promise<void>): Promise<LoadResult> {
  let finished: () => void = () => {};
  const stop = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const load = citizenLoad(
    { port: p.gatewayPort, host: `${NEIGHBOUR.app}.${NEIGHBOUR.ministry}.localhost` },
    2,
    stop,
  );
  try {
    await attack();
  } finally {
    finished();
  }
  return load;
}

/**
 * Hostile apps of one ministry against a neighbour app of another, on one
 * running platform: a log bomb, endless loops, a memory bomb. Each must be
 * contained (the app is stopped or throttled, the platform keeps running)
 * while the neighbour keeps answering.
 */
export async function hostileApps(p: PlatformProcess): Promise<AttackResult[]> {
  for (const m of [NEIGHBOUR.ministry, 'pirate']) {
    await api(p, 'POST', '/v1/ministries', { name: m, displayName: `Ministère ${m}` });
    await api(p, 'PATCH', `/v1/ministries/${m}/quota`, {
      maxRequestsPerMinutePerApp: 10_000_000,
      maxMemoryMibPerApp: 512,
    });
  }
  await deploy(
    p,
    NEIGHBOUR.ministry,
    NEIGHBOUR.app,
    `export default { fetch() { return new Response('voisin'); } };`,
  );
  const pids = await p.processes();
  const results: AttackResult[] = [];

  // A few 40 MiB lines, then the app exits (a redeploy replaces it): the platform must not care.
  {
    const rssBefore = await rssMib(pids.launcher);
    const v1 = await deploy(p, 'pirate', 'bombe-journal', HOSTILE['bombe-journal'], 256);
    let rssPeak = rssBefore;
    const neighbour = await during(p, async () => {
      await citizenRequest(`http://bombe-journal.pirate.localhost:${p.gatewayPort}/bombe`).catch(
        () => {},
      );
      rssPeak = Math.max(rssPeak, await rssMib(pids.launcher));
      await deploy(
        p,
        'pirate',
        'bombe-journal',
        `export default { fetch() { return new Response('calme'); } };`,
      );
      await sleep(1_500);
      rssPeak = Math.max(rssPeak, await rssMib(pids.launcher));
    });
    const up = await platformUp(p, pids);
    const dropped = (await events(p, 'pirate', 'bombe-journal', v1.version)).includes(
      'logs_dropped',
    );
    results.push({
      attack: 'log bomb: 14 lines of 40 MiB, then exit (redeploy)',
      contained: up && neighbour.failed === 0,
      neighbour,
      detail: `platform processes up: ${up ? 'yes' : 'no'}; launcher memory +${Math.round(rssPeak - rssBefore)} MiB (each line is cut to 8 KiB as it is read${dropped ? '; output over the budget dropped and reported' : ''})`,
    });
  }

  // Two apps stuck in endless loops: detected, restarted, and held to their CPU quota meanwhile.
  {
    const loops = [
      await deploy(p, 'pirate', 'boucle-un', HOSTILE.boucle),
      await deploy(p, 'pirate', 'boucle-deux', HOSTILE.boucle),
    ];
    const neighbour = await during(p, async () => {
      const stuck = ['boucle-un', 'boucle-deux'].map((app) =>
        citizenRequest(`http://${app}.pirate.localhost:${p.gatewayPort}/boucle`).catch(
          () => undefined,
        ),
      );
      // Wait until both were found stuck and restarted (or give up after 40 s).
      for (let i = 0; i < 80; i++) {
        const seen = await Promise.all(
          ['boucle-un', 'boucle-deux'].map(async (app, k) =>
            (await events(p, 'pirate', app, loops[k]?.version ?? 1)).includes('unresponsive'),
          ),
        );
        if (seen.every(Boolean)) break;
        await sleep(500);
      }
      await Promise.all(stuck);
    });
    // Found stuck is not yet restarted: the new instance may still be
    // starting (slower on a loaded machine), so ask for up to 20 s.
    const restarted = await Promise.all(
      ['boucle-un', 'boucle-deux'].map(async (app) => {
        for (let i = 0; i < 80; i++) {
          const { body } = await citizenRequest(
            `http://${app}.pirate.localhost:${p.gatewayPort}/`,
          ).catch(() => ({ body: '' }));
          if (body === 'libre') return true;
          await sleep(250);
        }
        return false;
      }),
    );
    const found = await Promise.all(
      ['boucle-un', 'boucle-deux'].map(async (app, k) =>
        (await events(p, 'pirate', app, loops[k]?.version ?? 1)).includes('unresponsive'),
      ),
    );
    results.push({
      attack: 'two apps stuck in `while (true)`',
      contained: found.every(Boolean) && restarted.every(Boolean) && neighbour.failed === 0,
      neighbour,
      detail: `found stuck and restarted: ${found.filter(Boolean).length}/2; serving again: ${restarted.filter(Boolean).length}/2`,
    });
  }

  // 4 GiB asked in a burst: the kernel stops it at its limit; it comes back empty.
  {
    const bomb = await deploy(p, 'pirate', 'bombe-memoire', HOSTILE['bombe-memoire'], 128);
    const neighbour = await during(p, async () => {
      await citizenRequest(`http://bombe-memoire.pirate.localhost:${p.gatewayPort}/bombe`).catch(
        () => {},
      );
      for (let i = 0; i < 40; i++) {
        if ((await events(p, 'pirate', 'bombe-memoire', bomb.version)).includes('memory_limit'))
          break;
        await sleep(250);
      }
    });
    const killed = (await events(p, 'pirate', 'bombe-memoire', bomb.version)).includes(
      'memory_limit',
    );
    let back = '';
    for (let i = 0; i < 40 && back !== 'tenu 0'; i++) {
      back = (
        await citizenRequest(`http://bombe-memoire.pirate.localhost:${p.gatewayPort}/`).catch(
          () => ({ body: '' }),
        )
      ).body;
      if (back !== 'tenu 0') await sleep(250);
    }
    results.push({
      attack: 'memory bomb: 4 GiB in one request, limit 128 MiB',
      contained:
        killed && back === 'tenu 0' && neighbour.failed === 0 && (await platformUp(p, pids)),
      neighbour,
      detail: `stopped at its limit: ${killed ? 'yes' : `no (${(await events(p, 'pirate', 'bombe-memoire', bomb.version)).join(', ')})`}; restarted empty: ${back === 'tenu 0' ? 'yes' : 'no'}`,
    });
  }

  // Probing the network: a throwaway listener of this test, the control plane, the neighbour through the gateway.
  {
    let reached = 0;
    const listener = net.createServer((socket) => {
      reached += 1;
      socket.end('HTTP/1.0 200 OK\r\n\r\natteint');
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const listenerPort = (listener.address() as net.AddressInfo).port;
    await deploy(p, 'pirate', 'sonde', HOSTILE.sonde);
    const targets = [
      { name: 'a throwaway listener', url: `http://127.0.0.1:${listenerPort}/`, host: '' },
      { name: 'the control plane', url: `${p.apiUrl}/v1/ministries`, host: '' },
      {
        name: 'the neighbour through the gateway',
        url: `http://127.0.0.1:${p.gatewayPort}/`,
        host: `${NEIGHBOUR.app}.${NEIGHBOUR.ministry}.localhost`,
      },
    ];
    const answers: Array<{ fetch?: string; socket?: string }> = [];
    const neighbour = await during(p, async () => {
      // Long enough for the neighbour's citizens to be a measure, not a handful.
      const atLeast = sleep(2_000);
      for (const t of targets) {
        const q = new URLSearchParams({ cible: t.url, hote: t.host });
        const res = await citizenRequest(
          `http://sonde.pirate.localhost:${p.gatewayPort}/?${q}`,
        ).catch((e: Error) => ({ status: 0, body: e.message }));
        answers.push(res.status === 200 ? JSON.parse(res.body) : { fetch: res.body });
      }
      await atLeast;
    });
    await new Promise((r) => listener.close(r));
    const refused = answers.filter(
      (a) => /^403 denied/.test(a.fetch ?? '') && /^error/.test(a.socket ?? ''),
    ).length;
    results.push({
      attack:
        'network probe: fetch and raw TCP to a loopback listener, the control plane, the neighbour',
      contained: reached === 0 && refused === targets.length && neighbour.failed === 0,
      neighbour,
      detail: `refused by fetch and by socket: ${refused}/${targets.length}; connections that reached the listener: ${reached}${refused === targets.length ? '' : `; answers: ${JSON.stringify(answers)}`}`,
    });
  }
  return results;
}

export interface SteadyLoadResult extends LoadResult {
  seconds: number;
  /** Killed at its memory limit: must be 0 for a healthy app. */
  memoryKills: number;
  /** Replaced gracefully near its limit (no request cut). */
  recycled: number;
}

/**
 * A healthy app under steady heavy load for `seconds`: its memory grows a
 * little per request before levelling off, and it must never be killed for
 * it nor fail a request.
 */
export async function healthyUnderLoad(
  p: PlatformProcess,
  options: { seconds?: number; concurrency?: number } = {},
): Promise<SteadyLoadResult> {
  const seconds = options.seconds ?? 60;
  await api(p, 'POST', '/v1/ministries', { name: 'charge', displayName: 'Charge' });
  await api(p, 'PATCH', '/v1/ministries/charge/quota', { maxRequestsPerMinutePerApp: 10_000_000 });
  const page = 'Demande enregistrée. '.repeat(150);
  const version = await deploy(
    p,
    'charge',
    'formulaire',
    `export default { fetch(req) {
      const u = new URL(req.url);
      return new Response(${JSON.stringify(page)} + u.search, { headers: { 'content-type': 'text/html' } });
    } };`,
  );
  const load = await citizenLoad(
    { port: p.gatewayPort, host: 'formulaire.charge.localhost', path: '/?n=1' },
    options.concurrency ?? 20,
    sleep(seconds * 1000),
  );
  const res = await api(
    p,
    'GET',
    `/v1/ministries/charge/apps/formulaire/deployments/${version.version}/events`,
  );
  const seen = (res.json?.events ?? []) as Array<{ type: string; count: number }>;
  const count = (type: string) =>
    seen.filter((e) => e.type === type).reduce((n, e) => n + e.count, 0);
  return { ...load, seconds, memoryKills: count('memory_limit'), recycled: count('recycled') };
}

export interface GrowingAppResult extends LoadResult {
  /** Requests that each kept 4 MiB until the instance was replaced. */
  steps: number;
  recycled: number;
  memoryKills: number;
  /** What the app held before and after the replacement ("tenu <n>"). */
  heldBefore: number;
  heldAfter: number;
}

/**
 * An app whose memory grows until it nears its limit (a slow leak, a cache
 * without bound): it must be replaced gracefully, a new instance started
 * before the old one is drained, with not one citizen request failing and
 * no kill at the limit.
 */
export async function growingApp(p: PlatformProcess): Promise<GrowingAppResult> {
  await api(p, 'POST', '/v1/ministries', { name: 'fuite', displayName: 'Fuite' });
  await api(p, 'PATCH', '/v1/ministries/fuite/quota', { maxRequestsPerMinutePerApp: 10_000_000 });
  // 32 MiB of heap, so 160 MiB in all with the runtime's allowance: replaced past 136 MiB.
  const version = await deploy(
    p,
    'fuite',
    'cache',
    `const held = [];
    export default { fetch(req) {
      if (new URL(req.url).pathname === '/garder') held.push(new Uint8Array(4 * 1024 * 1024).fill(3));
      return new Response('tenu ' + held.length);
    } };`,
    32,
  );
  const host = 'cache.fuite.localhost';
  const seen = async () =>
    (await api(p, 'GET', `/v1/ministries/fuite/apps/cache/deployments/${version.version}/events`))
      .json?.events as Array<{ type: string; count: number }> | undefined;
  const count = async (type: string) =>
    ((await seen()) ?? []).filter((e) => e.type === type).reduce((n, e) => n + e.count, 0);
  let finished: () => void = () => {};
  const stop = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const load = citizenLoad({ port: p.gatewayPort, host }, 2, stop);
  let steps = 0;
  let heldBefore = 0;
  const stepFailures: string[] = [];
  try {
    // Far more steps than needed: 160 MiB is reached in fewer than 40.
    while (steps < 60 && (await count('recycled')) === 0) {
      const res = await citizenRequest(`http://${host}:${p.gatewayPort}/garder`);
      steps += 1;
      if (res.status !== 200) stepFailures.push(`step ${steps}: HTTP ${res.status}`);
      else heldBefore = Math.max(heldBefore, Number(res.body.replace('tenu ', '')));
      await sleep(300);
    }
    await sleep(1_000);
  } finally {
    finished();
  }
  const result = await load;
  const after = await citizenRequest(`http://${host}:${p.gatewayPort}/`);
  return {
    ...result,
    failed: result.failed + stepFailures.length,
    failures: [...result.failures, ...stepFailures],
    steps,
    recycled: await count('recycled'),
    memoryKills: await count('memory_limit'),
    heldBefore,
    heldAfter: Number(after.body.replace('tenu ', '')),
  };
}
