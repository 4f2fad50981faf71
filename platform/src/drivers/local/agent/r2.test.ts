import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { denyAllEgress, type WorkerSpec, WorkerSupervisor } from '@gov/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageService } from './storage-service.ts';

/**
 * R2 buckets as Workers code uses them (env.FILES.put, get with a range,
 * head, list, delete), through real workerd: app instances and the
 * platform's storage service, as the local agent runs them.
 */
const R2_APP = `
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const q = (name) => url.searchParams.get(name);
    const bucket = env[q('bucket') ?? 'FILES'];
    const json = (value) => Response.json(value);
    const described = (o) => o && { key: o.key, size: o.size, etag: o.etag, httpEtag: o.httpEtag,
      uploaded: o.uploaded instanceof Date, httpMetadata: o.httpMetadata, customMetadata: o.customMetadata,
      range: o.range, hasBody: 'body' in o };
    try {
      switch (url.pathname) {
        case '/put': {
          const options = {};
          if (q('type')) options.httpMetadata = { contentType: q('type') };
          if (q('meta')) options.customMetadata = JSON.parse(q('meta'));
          if (q('md5')) options.md5 = q('md5');
          if (q('ifMatch')) options.onlyIf = { etagMatches: q('ifMatch') };
          const body = q('size') ? new Uint8Array(Number(q('size'))).fill(120) : request.body;
          return json(described(await bucket.put(q('k'), body, options)));
        }
        case '/get': {
          const options = {};
          if (q('offset') || q('length')) options.range = { offset: q('offset') ? Number(q('offset')) : undefined, length: q('length') ? Number(q('length')) : undefined };
          if (q('suffix')) options.range = { suffix: Number(q('suffix')) };
          if (request.headers.has('range')) options.range = request.headers;
          if (q('ifNoneMatch')) options.onlyIf = { etagDoesNotMatch: q('ifNoneMatch') };
          const object = await bucket.get(q('k'), options);
          if (object === null) return new Response('absent', { status: 404 });
          if (!('body' in object)) return json({ notModified: described(object) });
          const headers = new Headers();
          object.writeHttpMetadata(headers);
          headers.set('etag', object.httpEtag);
          headers.set('x-range', JSON.stringify(object.range));
          return new Response(object.body, { headers });
        }
        case '/head':
          return json(described(await bucket.head(q('k'))));
        case '/delete':
          await bucket.delete(q('keys') ? JSON.parse(q('keys')) : q('k'));
          return new Response('ok');
        case '/list': {
          const page = await bucket.list({ prefix: q('prefix') ?? undefined, limit: q('limit') ? Number(q('limit')) : undefined,
            cursor: q('cursor') ?? undefined, delimiter: q('delimiter') ?? undefined, include: q('include') ? [q('include')] : undefined });
          return json({ keys: page.objects.map((o) => o.key), truncated: page.truncated, cursor: page.cursor,
            prefixes: page.delimitedPrefixes, meta: page.objects.map((o) => o.customMetadata) });
        }
        case '/stalled': {
          // An upload that sends 1.5 MB, then nothing, never ending.
          const body = new ReadableStream({ start(c) { c.enqueue(new Uint8Array(1_500_000)); } });
          await bucket.put(q('k'), body);
          return new Response('never');
        }
        case '/multipart':
          await bucket.createMultipartUpload(q('k'));
          return new Response('created');
        default:
          return new Response('routes: /put /get /head /delete /list', { status: 404 });
      }
    } catch (error) {
      return new Response(error.message, { status: 500 });
    }
  },
};
`;

let root: string;
let storage: StorageService;
const instances: WorkerSupervisor[] = [];

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gov-r2-'));
  storage = await StorageService.start({
    runDir: path.join(root, 'storage-service'),
    dataDir: path.join(root, 'storage'),
  });
});

afterAll(async () => {
  await Promise.all(instances.map((i) => i.stop()));
  await storage.stop();
  await rm(root, { recursive: true, force: true });
});

/** One instance of an app of a ministry, with R2 buckets bound under `names`. */
async function startApp(appId: string, ministryId: string, names = ['FILES']): Promise<string> {
  const spec: WorkerSpec = {
    id: `dep_${appId}`,
    mainModule: 'index.js',
    modules: [{ name: 'index.js', type: 'esModule', content: new TextEncoder().encode(R2_APP) }],
    compatibilityDate: '2026-04-01',
    compatibilityFlags: [],
    vars: {},
    egress: denyAllEgress,
    memoryMib: 128,
    bindings: names.map((name) => ({ kind: 'r2', name })),
    storage: {
      address: storage.address,
      appId,
      ministryId,
      capability: storage.client.capabilityFor(ministryId, appId),
    },
  };
  const instance = new WorkerSupervisor({
    spec,
    workDir: await mkdtemp(path.join(root, `${appId}-`)),
    initialBackoffMs: 50,
    startTimeoutMs: 15_000,
  });
  instances.push(instance);
  return `http://127.0.0.1:${await instance.start()}`;
}

async function call(base: string, route: string, init?: RequestInit) {
  const res = await fetch(`${base}${route}`, init);
  const text = await res.text();
  return { status: res.status, text, headers: res.headers };
}

const md5Of = async (text: string) => {
  const { createHash } = await import('node:crypto');
  return createHash('md5').update(text).digest('hex');
};

describe('R2 buckets through real workerd', () => {
  let app: string;
  beforeAll(async () => {
    app = await startApp('app_r2a', 'min_r2one', ['FILES', 'ARCHIVES']);
  });

  it('puts a stream and gets it back whole, with its etag, metadata and content type', async () => {
    const body = 'Acte de naissance n° 2026-0042\n'.repeat(50_000); // ~1.6 MB: several chunks
    const put = await call(
      app,
      '/put?k=actes/0042.txt&type=text/plain;charset=utf-8&meta={"ville":"Kayes"}',
      {
        method: 'POST',
        body,
      },
    );
    expect(put.status).toBe(200);
    const described = JSON.parse(put.text);
    expect(described).toMatchObject({
      key: 'actes/0042.txt',
      size: Buffer.byteLength(body),
      etag: await md5Of(body),
      httpEtag: `"${await md5Of(body)}"`,
      uploaded: true,
      httpMetadata: { contentType: 'text/plain;charset=utf-8' },
      customMetadata: { ville: 'Kayes' },
    });
    const got = await call(app, '/get?k=actes/0042.txt');
    expect(got.status).toBe(200);
    expect(got.text).toBe(body);
    expect(got.headers.get('content-type')).toBe('text/plain;charset=utf-8');
    expect(got.headers.get('etag')).toBe(`"${await md5Of(body)}"`);
    const head = JSON.parse((await call(app, '/head?k=actes/0042.txt')).text);
    expect(head).toMatchObject({ size: Buffer.byteLength(body), hasBody: false });
    expect((await call(app, '/head?k=absent')).text).toBe('null');
    expect((await call(app, '/get?k=absent')).status).toBe(404);
  });

  it('reads ranges: offset and length, across a chunk boundary, a suffix, a Range header', async () => {
    const text = Array.from({ length: 600_000 }, (_, i) => String(i % 10)).join('');
    await call(app, '/put?k=chiffres', { method: 'POST', body: text });
    const across = await call(app, `/get?k=chiffres&offset=${512 * 1024 - 3}&length=7`);
    expect(across.text).toBe(text.slice(512 * 1024 - 3, 512 * 1024 + 4));
    expect(JSON.parse(across.headers.get('x-range') ?? '')).toEqual({
      offset: 512 * 1024 - 3,
      length: 7,
    });
    expect((await call(app, '/get?k=chiffres&suffix=5')).text).toBe(text.slice(-5));
    expect((await call(app, '/get?k=chiffres&offset=599998')).text).toBe(text.slice(599_998));
    const header = await call(app, '/get?k=chiffres', { headers: { range: 'bytes=10-14' } });
    expect(header.text).toBe(text.slice(10, 15));
    const past = await call(app, '/get?k=chiffres&offset=700000');
    expect(past.status).toBe(500);
    expect(past.text).toMatch(/R2 get\(\) failed: 400 range\.offset 700000 is past the end/);
  });

  it('checks conditions and an MD5 the app gives, and refuses what R2 would', async () => {
    const first = JSON.parse((await call(app, '/put?k=cond', { method: 'POST', body: 'v1' })).text);
    // A stale etag: the put does not happen and answers null.
    expect((await call(app, '/put?k=cond&ifMatch=0000', { method: 'POST', body: 'v2' })).text).toBe(
      'null',
    );
    expect((await call(app, '/get?k=cond')).text).toBe('v1');
    const same = JSON.parse((await call(app, `/get?k=cond&ifNoneMatch=${first.etag}`)).text);
    expect(same.notModified).toMatchObject({ key: 'cond', hasBody: false });
    const badMd5 = await call(app, `/put?k=cond&md5=${await md5Of('autre')}`, {
      method: 'POST',
      body: 'v3',
    });
    expect(badMd5.text).toMatch(/400 the MD5 given does not match/);
    expect((await call(app, '/get?k=cond')).text).toBe('v1');
    const longKey = await call(app, `/put?k=${'k'.repeat(1025)}`, { method: 'POST', body: 'x' });
    expect(longKey.text).toMatch(/the key is 1025 bytes, over the limit of 1024/);
    const bigMeta = await call(
      app,
      `/put?k=m&meta=${encodeURIComponent(JSON.stringify({ a: 'x'.repeat(3000) }))}`,
      {
        method: 'POST',
        body: 'x',
      },
    );
    expect(bigMeta.text).toMatch(/customMetadata is \d+ bytes, over the limit of 2048/);
    expect((await call(app, '/multipart?k=gros')).text).toMatch(
      /multipart uploads are not provided on Gov yet/,
    );
    // After every refusal the bucket still answers.
    expect((await call(app, '/get?k=cond')).text).toBe('v1');
  });

  it('lists with a prefix, a delimiter, a limit and a cursor, and deletes one key or many', async () => {
    for (const k of ['dossiers/a/1', 'dossiers/a/2', 'dossiers/b/1', 'dossiers/c', 'dossiers/d']) {
      await call(app, `/put?k=${k}&meta={"k":"${k}"}`, { method: 'POST', body: k });
    }
    const folded = JSON.parse((await call(app, '/list?prefix=dossiers/&delimiter=/')).text);
    expect(folded).toMatchObject({
      keys: ['dossiers/c', 'dossiers/d'],
      prefixes: ['dossiers/a/', 'dossiers/b/'],
      truncated: false,
    });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = JSON.parse(
        (
          await call(
            app,
            `/list?prefix=dossiers/&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          )
        ).text,
      );
      seen.push(...page.keys);
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
    expect(seen).toEqual([
      'dossiers/a/1',
      'dossiers/a/2',
      'dossiers/b/1',
      'dossiers/c',
      'dossiers/d',
    ]);
    const withMeta = JSON.parse(
      (await call(app, '/list?prefix=dossiers/c&include=customMetadata')).text,
    );
    expect(withMeta.meta).toEqual([{ k: 'dossiers/c' }]);
    await call(app, '/delete?k=dossiers/c');
    await call(
      app,
      `/delete?keys=${encodeURIComponent('["dossiers/a/1","dossiers/a/2","absente"]')}`,
    );
    const left = JSON.parse((await call(app, '/list?prefix=dossiers/')).text);
    expect(left.keys).toEqual(['dossiers/b/1', 'dossiers/d']);
    expect((await call(app, '/list?limit=5000')).text).toMatch(
      /limit must be a whole number from 1 to 1000/,
    );
  });

  it('keeps each binding of an app its own bucket', async () => {
    await call(app, '/put?k=commun', { method: 'POST', body: 'dans FILES' });
    expect((await call(app, '/get?k=commun&bucket=ARCHIVES')).status).toBe(404);
  });

  it('never lets another app read a bucket, in its ministry or another, under the same name', async () => {
    await call(app, '/put?k=secret-medical', { method: 'POST', body: 'confidentiel' });
    const sameMinistry = await startApp('app_r2b', 'min_r2one');
    const otherMinistry = await startApp('app_r2a_x', 'min_r2two');
    for (const other of [sameMinistry, otherMinistry]) {
      expect((await call(other, '/get?k=secret-medical')).status).toBe(404);
      expect(JSON.parse((await call(other, '/list')).text).keys).toEqual([]);
    }
  });

  it('counts sizes against the ministry quota: refused past it, room given back by delete and by overwrite', async () => {
    const quotaApp = await startApp('app_r2q', 'min_r2quota');
    await storage.client.setLimit('min_r2quota', 2 * 1024 * 1024);
    expect((await call(quotaApp, '/put?k=un&size=1500000', { method: 'POST' })).status).toBe(200);
    expect((await storage.client.usage('min_r2quota')).used).toBe(1_500_000);
    const over = await call(quotaApp, '/put?k=deux&size=1500000', { method: 'POST' });
    expect(over.text).toMatch(/413 the ministry's storage quota is full: .* raise maxKvBytes/);
    // The refused upload left nothing behind, in the bucket or the ledger.
    expect((await call(quotaApp, '/head?k=deux')).text).toBe('null');
    expect((await storage.client.usage('min_r2quota')).used).toBe(1_500_000);
    // An overwrite counts only the new size once it is stored.
    expect((await call(quotaApp, '/put?k=un&size=1000', { method: 'POST' })).status).toBe(200);
    expect((await storage.client.usage('min_r2quota')).used).toBe(1000);
    await call(quotaApp, '/delete?k=un');
    expect((await storage.client.usage('min_r2quota')).used).toBe(0);
  });

  it('keeps objects across a restart of the storage service, and gives back what a cut-off upload reserved', async () => {
    await call(app, '/put?k=durable', { method: 'POST', body: 'toujours là' });
    const uploader = await startApp('app_r2up', 'min_r2up');
    void fetch(`${uploader}/stalled?k=coupe`).catch(() => {});
    const deadline = Date.now() + 10_000;
    while ((await storage.client.usage('min_r2up')).used === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    // The chunks that arrived are reserved, though the upload never ended.
    expect((await storage.client.usage('min_r2up')).used).toBeGreaterThan(0);
    await storage.stop();
    storage = await StorageService.start({
      runDir: path.join(root, 'storage-service-2'),
      dataDir: path.join(root, 'storage'),
    });
    const again = await startApp('app_r2a', 'min_r2one', ['FILES']);
    expect((await call(again, '/get?k=durable')).text).toBe('toujours là');
    const uploaderAgain = await startApp('app_r2up', 'min_r2up');
    expect((await call(uploaderAgain, '/head?k=coupe')).text).toBe('null');
    expect((await storage.client.usage('min_r2up')).used).toBe(0);
  });
});
