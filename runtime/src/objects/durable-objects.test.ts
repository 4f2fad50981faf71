import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerSupervisor } from '../supervisor/supervisor.ts';
import { denyAllEgress } from '../workerd/egress.ts';

/** Durable Objects of an app through real workerd, their state on local disk. */
const APP = (label: string) => `
import { DurableObject } from 'cloudflare:workers';
export class Guichet extends DurableObject {
  async fetch() {
    this.ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS tickets (n INTEGER)');
    this.ctx.storage.sql.exec('INSERT INTO tickets VALUES (1)');
    const { count } = this.ctx.storage.sql.exec('SELECT count(*) AS count FROM tickets').one();
    return new Response(${JSON.stringify(label)} + ':' + count);
  }
}
export class Compteur extends DurableObject {
  async fetch() {
    const n = ((await this.ctx.storage.get('n')) ?? 0) + 1;
    await this.ctx.storage.put('n', n);
    return new Response(String(n));
  }
}
export default {
  fetch(request, env) {
    const url = new URL(request.url);
    const ns = url.pathname === '/compteur' ? env.COMPTEUR : env.GUICHET;
    return ns.get(ns.idFromName(url.searchParams.get('nom') ?? 'bamako')).fetch(request);
  },
};
`;

let root: string;
let objectsDir: string;
const instances: WorkerSupervisor[] = [];

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gov-objects-'));
  objectsDir = path.join(root, 'durable-objects', 'app_guichet');
});
afterAll(async () => {
  await Promise.all(instances.map((i) => i.stop()));
  await rm(root, { recursive: true, force: true });
});

async function start(label: string, key = 'app_guichet') {
  const instance = new WorkerSupervisor({
    spec: {
      id: `dep_${label}`,
      mainModule: 'index.js',
      modules: [
        { name: 'index.js', type: 'esModule', content: new TextEncoder().encode(APP(label)) },
      ],
      compatibilityDate: '2026-04-01',
      compatibilityFlags: [],
      vars: {},
      egress: denyAllEgress,
      memoryMib: 128,
      durableObjects: {
        key,
        dir: key === 'app_guichet' ? objectsDir : path.join(root, 'durable-objects', key),
        classes: [
          { name: 'GUICHET', className: 'Guichet', sql: true },
          { name: 'COMPTEUR', className: 'Compteur', sql: false },
        ],
      },
    },
    workDir: await mkdtemp(path.join(root, 'v-')),
    initialBackoffMs: 50,
    startTimeoutMs: 15_000,
  });
  instances.push(instance);
  return { instance, base: `http://127.0.0.1:${await instance.start()}` };
}

const text = async (url: string) => (await fetch(url)).text();

describe('Durable Objects', () => {
  it('keep each object’s state, SQL or key-value, on disk across versions of the app', async () => {
    const v1 = await start('v1');
    expect(await text(`${v1.base}/`)).toBe('v1:1');
    expect(await text(`${v1.base}/`)).toBe('v1:2');
    expect(await text(`${v1.base}/?nom=kayes`)).toBe('v1:1');
    expect(await text(`${v1.base}/compteur`)).toBe('1');
    await v1.instance.stop();
    // The next version, in a new process, finds every object as it was.
    const v2 = await start('v2');
    expect(await text(`${v2.base}/`)).toBe('v2:3');
    expect(await text(`${v2.base}/compteur`)).toBe('2');
    expect((await readdir(objectsDir)).length).toBeGreaterThan(0);
    await v2.instance.stop();
  });

  it('never share objects between apps: another app’s key finds none of them', async () => {
    const other = await start('autre', 'app_autre');
    expect(await text(`${other.base}/`)).toBe('autre:1');
    expect(await text(`${other.base}/compteur`)).toBe('1');
  });
});
