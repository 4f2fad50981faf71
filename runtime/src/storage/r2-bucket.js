// One R2 bucket of one app, as a Durable Object of the storage service:
// objects kept in SQLite in chunks, so that a range is read without the
// rest and no row grows past what SQLite handles well. Sizes count against
// the ministry's storage quota, reserved chunk by chunk as an upload
// arrives, so a full quota stops an upload before it is stored.
import { DurableObject } from 'cloudflare:workers';
import { byteLength, failure, refuse } from './storage-http.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const CHUNK_BYTES = 512 * KIB;
const MAX_KEY_BYTES = 1024;
const MAX_OBJECT_BYTES = 100 * MIB;
const MAX_CUSTOM_METADATA_BYTES = 2 * KIB;
const MAX_LIST = 1000;
const MAX_DELETE = 1000;
/** The greatest character: a bound above every key that starts with a given prefix. */
const AFTER_PREFIX = '\u{10ffff}';
const HTTP_FIELDS = [
  'contentType',
  'contentLanguage',
  'contentDisposition',
  'contentEncoding',
  'cacheControl',
  'cacheExpiry',
];

class R2InputError extends Error {}

export class R2Bucket extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS objects (
      key TEXT PRIMARY KEY, version TEXT NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL,
      uploaded INTEGER NOT NULL, http_metadata TEXT NOT NULL, custom_metadata TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS chunks (
      version TEXT NOT NULL, n INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (version, n))`);
    // Uploads under way, with what they reserved: one cut short by a crash
    // is cleared at the next start and its bytes given back.
    sql.exec(`CREATE TABLE IF NOT EXISTS uploads (
      version TEXT PRIMARY KEY, ministry TEXT NOT NULL, ledger_key TEXT NOT NULL, bytes INTEGER NOT NULL)`);
    ctx.blockConcurrencyWhile(() => this.#clearUnfinishedUploads());
  }

  async #clearUnfinishedUploads() {
    const sql = this.ctx.storage.sql;
    for (const upload of sql.exec('SELECT * FROM uploads').toArray()) {
      await this.#abandon(upload.version, upload.ministry, upload.ledger_key);
    }
  }

  async fetch(request) {
    const url = new URL(request.url);
    const [, binding, op] = url.pathname.split('/').filter(Boolean);
    const caller = {
      ministry: request.headers.get('x-gov-ministry'),
      ledgerKey: `${request.headers.get('x-gov-app')}/r2/${binding}`,
    };
    try {
      if (op === 'put' && request.method === 'PUT') return await this.#put(request, url, caller);
      if (op === 'get' && request.method === 'GET') return this.#get(url, false);
      if (op === 'head' && request.method === 'GET') return this.#get(url, true);
      if (op === 'delete' && request.method === 'POST') return await this.#delete(request, caller);
      if (op === 'list' && request.method === 'GET') return this.#list(url);
      return refuse(request, 404, 'not_found', `no R2 operation ${op}`);
    } catch (error) {
      if (error instanceof R2InputError)
        return refuse(request, 400, 'invalid_request', error.message);
      throw error;
    }
  }

  #ledger(ministry) {
    return this.env.LEDGER.get(this.env.LEDGER.idFromName(ministry));
  }

  #object(key) {
    const [row] = this.ctx.storage.sql.exec('SELECT * FROM objects WHERE key = ?', key).toArray();
    return row;
  }

  async #put(request, url, caller) {
    const key = checkKey(url.searchParams.get('key'));
    const httpMetadata = httpMetadataOf(request.headers.get('x-gov-r2-http-metadata'));
    const customMetadata = customMetadataOf(request.headers.get('x-gov-r2-custom-metadata'));
    const expectedMd5 = md5Of(url.searchParams.get('md5'));
    if (!meetsConditions(this.#object(key), url.searchParams)) {
      return refuse(request, 412, 'precondition_failed', 'the object does not meet onlyIf');
    }
    const sql = this.ctx.storage.sql;
    const version = crypto.randomUUID().replaceAll('-', '');
    sql.exec(
      'INSERT INTO uploads (version, ministry, ledger_key, bytes) VALUES (?, ?, ?, 0)',
      version,
      caller.ministry,
      caller.ledgerKey,
    );
    const digest = new crypto.DigestStream('MD5');
    const digestWriter = digest.getWriter();
    let size = 0;
    let n = 0;
    let pending = [];
    let pendingBytes = 0;
    const store = async (final) => {
      while (pendingBytes >= CHUNK_BYTES || (final && pendingBytes > 0)) {
        const all = concat(pending, pendingBytes);
        const chunk = all.subarray(0, Math.min(CHUNK_BYTES, all.byteLength));
        const rest = all.subarray(chunk.byteLength);
        pending = rest.byteLength > 0 ? [rest] : [];
        pendingBytes = rest.byteLength;
        const granted = await this.#ledger(caller.ministry).reserve(
          caller.ledgerKey,
          chunk.byteLength,
        );
        if (!granted.ok) {
          return `the ministry's storage quota is full: ${granted.used} of ${granted.limit} bytes used; delete objects or ask a platform operator to raise maxKvBytes`;
        }
        sql.exec('INSERT INTO chunks (version, n, data) VALUES (?, ?, ?)', version, n, chunk);
        sql.exec(
          'UPDATE uploads SET bytes = bytes + ? WHERE version = ?',
          chunk.byteLength,
          version,
        );
        await digestWriter.write(chunk);
        n += 1;
      }
      return undefined;
    };
    let refusal;
    const reader = request.body?.getReader();
    while (reader && refusal === undefined) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_OBJECT_BYTES) {
        refusal = [413, 'too_large', `an object holds at most ${MAX_OBJECT_BYTES} bytes on Gov`];
        break;
      }
      pending.push(value);
      pendingBytes += value.byteLength;
      const full = await store(false);
      if (full) refusal = [413, 'quota_exceeded', full];
    }
    if (refusal === undefined) {
      const full = await store(true);
      if (full) refusal = [413, 'quota_exceeded', full];
    }
    await digestWriter.close();
    const etag = hex(await digest.digest);
    if (refusal === undefined && expectedMd5 !== undefined && expectedMd5 !== etag) {
      refusal = [400, 'bad_digest', 'the MD5 given does not match what was received'];
    }
    if (refusal !== undefined) {
      if (reader) await drain(reader, size);
      await this.#abandon(version, caller.ministry, caller.ledgerKey);
      return failure(...refusal);
    }
    // The new object replaces the old in one synchronous step: a reader sees one or the other.
    const old = this.#object(key);
    const uploaded = Date.now();
    if (old) sql.exec('DELETE FROM chunks WHERE version = ?', old.version);
    sql.exec(
      `INSERT INTO objects (key, version, size, etag, uploaded, http_metadata, custom_metadata)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET version = excluded.version, size = excluded.size,
         etag = excluded.etag, uploaded = excluded.uploaded,
         http_metadata = excluded.http_metadata, custom_metadata = excluded.custom_metadata`,
      key,
      version,
      size,
      etag,
      uploaded,
      JSON.stringify(httpMetadata),
      JSON.stringify(customMetadata),
    );
    sql.exec('DELETE FROM uploads WHERE version = ?', version);
    if (old) await this.#ledger(caller.ministry).reserve(caller.ledgerKey, -old.size);
    return Response.json(describe(this.#object(key)));
  }

  /** Drops an unfinished upload's chunks and gives back what it reserved. */
  async #abandon(version, ministry, ledgerKey) {
    const sql = this.ctx.storage.sql;
    const [upload] = sql.exec('SELECT bytes FROM uploads WHERE version = ?', version).toArray();
    sql.exec('DELETE FROM chunks WHERE version = ?', version);
    sql.exec('DELETE FROM uploads WHERE version = ?', version);
    if (upload?.bytes > 0) await this.#ledger(ministry).reserve(ledgerKey, -upload.bytes);
  }

  #get(url, headOnly) {
    const key = checkKey(url.searchParams.get('key'));
    const row = this.#object(key);
    if (!row) return new Response(null, { status: 404 });
    if (headOnly) return Response.json(describe(row));
    if (!meetsConditions(row, url.searchParams)) {
      // As R2 does: the object's description, without its body.
      return Response.json(describe(row), { headers: { 'x-gov-r2-body': 'none' } });
    }
    const range = rangeOf(url.searchParams, row.size);
    const meta = describe(row, range);
    return new Response(this.#read(row.version, range), {
      headers: {
        'content-type': 'application/octet-stream',
        'x-gov-r2-object': encodeURIComponent(JSON.stringify(meta)),
      },
    });
  }

  /** The bytes of one range, chunk by chunk as the app reads them. */
  #read(version, { offset, length }) {
    const sql = this.ctx.storage.sql;
    let position = offset;
    const end = offset + length;
    return new ReadableStream({
      pull(controller) {
        if (position >= end) {
          controller.close();
          return;
        }
        const n = Math.floor(position / CHUNK_BYTES);
        const [chunk] = sql
          .exec('SELECT data FROM chunks WHERE version = ? AND n = ?', version, n)
          .toArray();
        if (!chunk) {
          controller.error(new Error('the object was replaced or deleted while it was read'));
          return;
        }
        const bytes = new Uint8Array(chunk.data);
        const from = position - n * CHUNK_BYTES;
        const to = Math.min(bytes.byteLength, end - n * CHUNK_BYTES);
        controller.enqueue(bytes.slice(from, to));
        position = n * CHUNK_BYTES + to;
      },
    });
  }

  async #delete(request, caller) {
    const body = await request.json().catch(() => undefined);
    const keys = body?.keys;
    if (!Array.isArray(keys) || keys.length > MAX_DELETE) {
      throw new R2InputError(`delete() takes a key or a list of at most ${MAX_DELETE} keys`);
    }
    const sql = this.ctx.storage.sql;
    let freed = 0;
    for (const key of keys.map(checkKey)) {
      const row = this.#object(key);
      if (!row) continue;
      sql.exec('DELETE FROM chunks WHERE version = ?', row.version);
      sql.exec('DELETE FROM objects WHERE key = ?', key);
      freed += row.size;
    }
    if (freed > 0) await this.#ledger(caller.ministry).reserve(caller.ledgerKey, -freed);
    return new Response(null, { status: 204 });
  }

  #list(url) {
    const params = url.searchParams;
    const prefix = params.get('prefix') ?? '';
    const delimiter = params.get('delimiter') ?? '';
    const limit = params.has('limit') ? Number(params.get('limit')) : MAX_LIST;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST) {
      throw new R2InputError(`limit must be a whole number from 1 to ${MAX_LIST}`);
    }
    const include = new Set((params.get('include') ?? '').split(',').filter(Boolean));
    let after = params.has('cursor') ? fromCursor(params.get('cursor')) : '';
    if (params.has('start_after')) {
      const startAfter = params.get('start_after');
      if (startAfter > after) after = startAfter;
    }
    const objects = [];
    const prefixes = [];
    let truncated = false;
    // Prefix match on a range, not LIKE: a key may hold % or _.
    page: while (true) {
      const rows = this.ctx.storage.sql
        .exec(
          'SELECT * FROM objects WHERE key > ? AND substr(key, 1, ?) = ? ORDER BY key LIMIT ?',
          after,
          prefix.length,
          prefix,
          limit + 1,
        )
        .toArray();
      let folded = false;
      for (const row of rows) {
        if (objects.length + prefixes.length === limit) {
          truncated = true;
          break page;
        }
        const rest = row.key.slice(prefix.length);
        const cut = delimiter === '' ? -1 : rest.indexOf(delimiter);
        if (cut === -1) {
          objects.push(describe(row, undefined, include));
          after = row.key;
        } else {
          // Every key under this prefix folds into it: go on past them all.
          const common = prefix + rest.slice(0, cut + delimiter.length);
          prefixes.push(common);
          after = common + AFTER_PREFIX;
          folded = true;
          break;
        }
      }
      // Every row read without folding, and under the limit: nothing is left.
      if (!folded) break;
    }
    return Response.json({
      objects,
      delimitedPrefixes: prefixes,
      truncated,
      ...(truncated ? { cursor: toCursor(after) } : {}),
    });
  }
}

/**
 * Reads and drops what is left of a refused upload, as `refuse` does: an
 * answer before the body's end leaves the app's connection unusable. Past
 * the largest object the platform stores, the upload is cut off instead.
 */
async function drain(reader, alreadyRead) {
  let read = alreadyRead;
  while (read <= 2 * MAX_OBJECT_BYTES) {
    const { done, value } = await reader.read().catch(() => ({ done: true }));
    if (done) return;
    read += value.byteLength;
  }
  await reader.cancel().catch(() => {});
}

function concat(parts, total) {
  if (parts.length === 1) return parts[0];
  const all = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.byteLength;
  }
  return all;
}

function hex(buffer) {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function toCursor(after) {
  return btoa(unescape(encodeURIComponent(after)));
}

function fromCursor(cursor) {
  try {
    return decodeURIComponent(escape(atob(cursor)));
  } catch {
    throw new R2InputError('cursor is not one this bucket gave');
  }
}

/** An object as the app's binding receives it. */
function describe(row, range, include = new Set(['httpMetadata', 'customMetadata'])) {
  return {
    key: row.key,
    version: row.version,
    size: row.size,
    etag: row.etag,
    uploaded: row.uploaded,
    httpMetadata: include.has('httpMetadata') ? JSON.parse(row.http_metadata) : {},
    customMetadata: include.has('customMetadata') ? JSON.parse(row.custom_metadata) : {},
    ...(range ? { range } : {}),
  };
}

function checkKey(key) {
  if (typeof key !== 'string' || key === '') throw new R2InputError('the key is empty');
  if (byteLength(key) > MAX_KEY_BYTES) {
    throw new R2InputError(
      `the key is ${byteLength(key)} bytes, over the limit of ${MAX_KEY_BYTES}`,
    );
  }
  return key;
}

function parsedHeader(raw, what) {
  if (raw === null) return {};
  let value;
  try {
    value = JSON.parse(decodeURIComponent(raw));
  } catch {
    throw new R2InputError(`${what} is not readable`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new R2InputError(`${what} must be an object`);
  }
  return value;
}

function httpMetadataOf(raw) {
  const value = parsedHeader(raw, 'httpMetadata');
  const kept = {};
  for (const [name, field] of Object.entries(value)) {
    if (!HTTP_FIELDS.includes(name)) {
      throw new R2InputError(`httpMetadata takes ${HTTP_FIELDS.join(', ')}; not ${name}`);
    }
    if (typeof field !== 'string' || field.length > 1024) {
      throw new R2InputError(`httpMetadata.${name} must be a string of at most 1024 characters`);
    }
    kept[name] = field;
  }
  return kept;
}

function customMetadataOf(raw) {
  const value = parsedHeader(raw, 'customMetadata');
  for (const [name, field] of Object.entries(value)) {
    if (typeof field !== 'string') {
      throw new R2InputError(`customMetadata.${name} must be a string`);
    }
  }
  const size = byteLength(JSON.stringify(value));
  if (size > MAX_CUSTOM_METADATA_BYTES) {
    throw new R2InputError(
      `customMetadata is ${size} bytes, over the limit of ${MAX_CUSTOM_METADATA_BYTES}`,
    );
  }
  return value;
}

function md5Of(raw) {
  if (raw === null) return undefined;
  if (!/^[0-9a-f]{32}$/.test(raw)) throw new R2InputError('md5 must be 32 hexadecimal digits');
  return raw;
}

/** onlyIf, as R2 reads it: etags (with * for any) and upload times in milliseconds. */
function meetsConditions(row, params) {
  const matches = params.get('if_match');
  const noneMatches = params.get('if_none_match');
  const before = params.get('uploaded_before');
  const after = params.get('uploaded_after');
  if (matches === null && noneMatches === null && before === null && after === null) return true;
  const etagIn = (list) =>
    list
      .split(',')
      .map((e) => e.trim().replace(/^W\//, '').replace(/^"|"$/g, ''))
      .some((e) => e === '*' || e === row?.etag);
  if (matches !== null && (!row || !etagIn(matches))) return false;
  if (noneMatches !== null && row && etagIn(noneMatches)) return false;
  const time = (raw, name) => {
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new R2InputError(`${name} must be a date`);
    return value;
  };
  if (before !== null && row && !(row.uploaded < time(before, 'uploadedBefore'))) return false;
  if (after !== null && row && !(row.uploaded > time(after, 'uploadedAfter'))) return false;
  return true;
}

/** The part of an object a get() asks for: offset and length, or a suffix. */
function rangeOf(params, size) {
  const whole = (name) => {
    if (!params.has(name)) return undefined;
    const value = Number(params.get(name));
    if (!Number.isInteger(value) || value < 0) {
      throw new R2InputError(`range.${name} must be a whole number of bytes, 0 or more`);
    }
    return value;
  };
  const suffix = whole('suffix');
  const offset = whole('offset');
  const length = whole('length');
  if (suffix !== undefined) {
    if (offset !== undefined || length !== undefined) {
      throw new R2InputError('a range has a suffix, or an offset and a length, not both');
    }
    const take = Math.min(suffix, size);
    return { offset: size - take, length: take };
  }
  const from = offset ?? 0;
  if (from > size) {
    throw new R2InputError(`range.offset ${from} is past the end of the object (${size} bytes)`);
  }
  return { offset: from, length: Math.min(length ?? size - from, size - from) };
}
