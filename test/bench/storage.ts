import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Miniflare } from 'miniflare';
import { pickFreePort } from '../../platform/src/net/free-port.ts';
import { gov } from '../support/gov-cli.ts';
import { api, startPlatformProcess } from '../support/platform-process.ts';
import { latencies, type Target } from './load.ts';
import { ms, percentile } from './stats.ts';

/**
 * KV get and put, and a D1 query, through a deployed app, on Gov (gateway →
 * app → the platform's storage service) and in Miniflare, the local runtime
 * that `wrangler dev` runs, with the same Worker code, on this machine, in
 * one run. A figure, not a test: `npm run bench` (or `npx tsx
 * test/bench/storage.ts`).
 */
const REQUESTS = Number(process.env.BENCH_STORAGE_REQUESTS ?? 500);

/** The same Worker in both places: a read and a write of one small key. */
const WORKER = `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/put') { await env.KV.put('compteur', String(Date.now())); return new Response('ok'); }
    if (url.pathname === '/get') return new Response(await env.KV.get('compteur'));
    if (url.pathname === '/r2put') { await env.FILES.put('piece.txt', 'acte '.repeat(200)); return new Response('ok'); }
    if (url.pathname === '/r2get') return new Response((await env.FILES.get('piece.txt')).body);
    if (url.pathname === '/setup') {
      await env.DB.exec("CREATE TABLE IF NOT EXISTS demandes (id INTEGER PRIMARY KEY, commune TEXT); INSERT INTO demandes (commune) VALUES ('Kayes'), ('Ségou'), ('Mopti')");
      return new Response('ok');
    }
    if (url.pathname === '/query') {
      const row = await env.DB.prepare('SELECT count(*) AS n FROM demandes WHERE commune = ?').bind('Kayes').first();
      return Response.json(row);
    }
    return new Response('kv bench', { status: 404 });
  },
};
`;

interface Figures {
  get: number[];
  put: number[];
  query: number[];
  r2get: number[];
  r2put: number[];
}

export interface StorageFigures {
  gov: Figures;
  miniflare: Figures;
}

async function measure(target: Target): Promise<Figures> {
  // A value and a table first, so that every get and query reads something.
  await latencies(target, 10, '/put');
  await latencies(target, 1, '/setup');
  await latencies(target, 1, '/r2put');
  return {
    put: await latencies(target, REQUESTS, '/put'),
    get: await latencies(target, REQUESTS, '/get'),
    query: await latencies(target, REQUESTS, '/query'),
    r2put: await latencies(target, REQUESTS, '/r2put'),
    r2get: await latencies(target, REQUESTS, '/r2get'),
  };
}

async function onGov() {
  const platform = await startPlatformProcess();
  const dir = await mkdtemp(path.join(tmpdir(), 'gov-bench-kv-'));
  try {
    await api(platform, 'POST', '/v1/ministries', { name: 'demo', displayName: 'Démonstration' });
    await api(platform, 'PATCH', '/v1/ministries/demo/quota', {
      maxRequestsPerMinutePerApp: 10_000_000,
    });
    await writeFile(
      path.join(dir, 'wrangler.toml'),
      'name = "bench-stockage"\nmain = "index.js"\ncompatibility_date = "2026-04-01"\nkv_namespaces = [{ binding = "KV" }]\nd1_databases = [{ binding = "DB" }]\nr2_buckets = [{ binding = "FILES" }]\n\n[gov]\nministry = "demo"\n',
    );
    await writeFile(path.join(dir, 'index.js'), WORKER);
    const result = await gov(['deploy'], platform.cliEnv, dir);
    if (result.code !== 0) throw new Error(`gov deploy failed: ${result.stderr}`);
    const host = new URL(result.stdout.trim()).host;
    return await measure({ port: platform.gatewayPort, host });
  } finally {
    await platform.destroy();
    await rm(dir, { recursive: true, force: true });
  }
}

async function onMiniflare() {
  const persist = await mkdtemp(path.join(tmpdir(), 'gov-bench-miniflare-'));
  const port = await pickFreePort();
  const mf = new Miniflare({
    modules: true,
    script: WORKER,
    compatibilityDate: '2026-04-01',
    kvNamespaces: ['KV'],
    d1Databases: ['DB'],
    r2Buckets: ['FILES'],
    // On disk, as `wrangler dev` keeps its local data.
    kvPersist: path.join(persist, 'kv'),
    d1Persist: path.join(persist, 'd1'),
    r2Persist: path.join(persist, 'r2'),
    host: '127.0.0.1',
    port,
  });
  try {
    await mf.ready;
    return await measure({ port, host: `127.0.0.1:${port}` });
  } finally {
    await mf.dispose();
    await rm(persist, { recursive: true, force: true });
  }
}

export async function benchStorage(): Promise<StorageFigures> {
  return { gov: await onGov(), miniflare: await onMiniflare() };
}

export function printStorage(figures: StorageFigures): void {
  const row = (label: string, times: number[]) =>
    `  ${label.padEnd(32)} p50 ${ms(percentile(times, 50))}  p99 ${ms(percentile(times, 99))}`;
  console.log(
    `KV, D1 and R2 through a deployed app, concurrency 1, ${REQUESTS} requests each (one small key; a count over a 3-row table; a 1 KB object):`,
  );
  console.log(row('Gov: get (gateway, storage)', figures.gov.get));
  console.log(row('Miniflare (wrangler dev): get', figures.miniflare.get));
  console.log(row('Gov: put (gateway, storage)', figures.gov.put));
  console.log(row('Miniflare (wrangler dev): put', figures.miniflare.put));
  console.log(row('Gov: D1 query (gateway, storage)', figures.gov.query));
  console.log(row('Miniflare (wrangler dev): D1', figures.miniflare.query));
  console.log(row('Gov: R2 put (gateway, storage)', figures.gov.r2put));
  console.log(row('Miniflare (wrangler dev): R2 put', figures.miniflare.r2put));
  console.log(row('Gov: R2 get (gateway, storage)', figures.gov.r2get));
  console.log(row('Miniflare (wrangler dev): R2 get', figures.miniflare.r2get));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  benchStorage()
    .then(printStorage)
    .catch((error: Error) => {
      console.error(error.stack);
      process.exit(1);
    });
}
