// The platform's storage service: one workerd process the platform runs
// beside the apps, holding every app's data in SQLite (Durable Objects on
// local disk, under the platform's data directory). Apps never reach it
// directly: each app's bindings talk to it through an external service
// whose headers workerd itself adds (the app, its ministry, and a
// capability the platform derived for that app), so the data an app can
// name is always its own. Plain JavaScript: workerd runs it as it is.
import { DurableObject } from 'cloudflare:workers';
import { byteLength, failure, refuse } from './storage-http.js';

export { R2Bucket } from './r2-bucket.js';

const KIB = 1024;
const MIB = 1024 * KIB;
const KV_MAX_KEY_BYTES = 512;
const KV_MAX_VALUE_BYTES = 25 * MIB;
const KV_MAX_METADATA_BYTES = 1024;
const KV_MIN_TTL_SECONDS = 60;
const KV_MAX_LIST = 1000;

const encoder = new TextEncoder();

async function hmacHex(secret, text) {
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(text)));
  return [...mac].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function sameText(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Who is asking: the app and ministry workerd named, checked against the capability. */
async function callerOf(request, env) {
  const app = request.headers.get('x-gov-app') ?? '';
  const ministry = request.headers.get('x-gov-ministry') ?? '';
  const presented = request.headers.get('x-gov-capability') ?? '';
  if (!/^app_[A-Za-z0-9_]+$/.test(app)) return undefined;
  if (!/^min_[A-Za-z0-9_]+$/.test(ministry)) return undefined;
  const expected = await hmacHex(env.CAPABILITY_KEY, `storage:${ministry}:${app}`);
  return sameText(presented, expected) ? { app, ministry } : undefined;
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const parts = url.pathname.split('/').filter(Boolean);
    if (parts[0] === 'admin') {
      const presented = request.headers.get('authorization') ?? '';
      if (!sameText(presented, `Bearer ${env.ADMIN_KEY}`)) {
        return refuse(request, 401, 'unauthenticated', 'the storage service’s admin key is needed');
      }
      // POST /admin/d1/<ministry>/<app>/<binding>: a developer's SQL (gov d1 execute).
      if (parts[1] === 'd1' && request.method === 'POST') {
        const [, , ministryId, appId, name] = parts;
        if (
          !/^min_[A-Za-z0-9_]+$/.test(ministryId ?? '') ||
          !/^app_[A-Za-z0-9_]+$/.test(appId ?? '')
        ) {
          return refuse(request, 400, 'invalid_request', 'ministry and app ids');
        }
        if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name ?? ''))
          return refuse(request, 400, 'invalid_request', 'binding name');
        const stub = env.D1.get(env.D1.idFromName(`${appId}/${name}`));
        const url = new URL(request.url);
        url.pathname = `/d1/${name}/${url.searchParams.get('op') === 'query' ? 'query' : 'exec'}`;
        const forwarded = new Request(url, request);
        forwarded.headers.set('x-gov-ministry', ministryId);
        forwarded.headers.set('x-gov-app', appId);
        return stub.fetch(forwarded);
      }
      // PUT /admin/ministries/<id>/limit {"kvBytes": n}; GET /admin/ministries/<id>/usage
      const ministry = parts[2] ?? '';
      if (!/^min_[A-Za-z0-9_]+$/.test(ministry))
        return refuse(request, 400, 'invalid_request', 'ministry id');
      const ledger = env.LEDGER.get(env.LEDGER.idFromName(ministry));
      if (parts[3] === 'limit' && request.method === 'PUT') {
        const body = await request.json().catch(() => ({}));
        if (!Number.isSafeInteger(body.kvBytes) || body.kvBytes < 0) {
          return failure(400, 'invalid_request', 'kvBytes must be a whole number of bytes');
        }
        return Response.json(await ledger.setLimit(body.kvBytes));
      }
      if (parts[3] === 'usage' && request.method === 'GET')
        return Response.json(await ledger.usage());
      return refuse(request, 404, 'not_found', 'no such admin route');
    }
    const caller = await callerOf(request, env);
    if (!caller)
      return refuse(
        request,
        401,
        'unauthenticated',
        'this service answers the platform’s apps only',
      );
    const [kind, binding] = parts;
    if (!binding || !/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(binding)) {
      return refuse(request, 400, 'invalid_request', 'no binding named in the request');
    }
    if (kind === 'kv') {
      // Named by the app's id and the binding's name: nothing an app writes
      // in its config can name another app's namespace.
      const stub = env.KV.get(env.KV.idFromName(`${caller.app}/${binding}`));
      const forwarded = new Request(request);
      forwarded.headers.set('x-gov-ministry', caller.ministry);
      forwarded.headers.set('x-gov-app', caller.app);
      return stub.fetch(forwarded);
    }
    if (kind === 'd1' || kind === 'r2') {
      const namespace = kind === 'd1' ? env.D1 : env.R2;
      const stub = namespace.get(namespace.idFromName(`${caller.app}/${binding}`));
      const forwarded = new Request(request);
      forwarded.headers.set('x-gov-ministry', caller.ministry);
      forwarded.headers.set('x-gov-app', caller.app);
      return stub.fetch(forwarded);
    }
    return refuse(request, 404, 'not_found', `no ${kind} storage here`);
  },
};

/** One KV namespace of one app. */
export class KvNamespace extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS entries (
      key TEXT PRIMARY KEY, value BLOB NOT NULL, metadata TEXT, expiration INTEGER, bytes INTEGER NOT NULL)`);
  }

  async fetch(request) {
    const url = new URL(request.url);
    const op = url.pathname.split('/').filter(Boolean)[2];
    const now = Math.floor(Date.now() / 1000);
    try {
      if (op === 'get' && request.method === 'GET') return this.#get(url, now);
      if (op === 'put' && request.method === 'PUT') return await this.#put(request, url, now);
      if (op === 'delete' && request.method === 'DELETE') return await this.#delete(request, url);
      if (op === 'list' && request.method === 'GET') return this.#list(url, now);
      return refuse(request, 404, 'not_found', `no KV operation ${op}`);
    } catch (error) {
      if (error instanceof KvInputError) return failure(400, 'invalid_request', error.message);
      throw error;
    }
  }

  #get(url, now) {
    const key = checkKey(url.searchParams.get('key'));
    const [row] = this.ctx.storage.sql
      .exec('SELECT value, metadata, expiration FROM entries WHERE key = ?', key)
      .toArray();
    if (!row || (row.expiration !== null && row.expiration <= now)) {
      return new Response(null, { status: 404 });
    }
    const headers = { 'content-type': 'application/octet-stream' };
    if (row.metadata !== null) headers['x-gov-kv-metadata'] = encodeURIComponent(row.metadata);
    if (row.expiration !== null) headers['x-gov-kv-expiration'] = String(row.expiration);
    return new Response(row.value, { headers });
  }

  async #put(request, url, now) {
    // The whole body first, whatever follows: a refusal leaves the connection usable.
    const value = new Uint8Array(await request.arrayBuffer());
    const key = checkKey(url.searchParams.get('key'));
    const expiration = expirationOf(url.searchParams, now);
    const rawMetadata = request.headers.get('x-gov-kv-metadata');
    const metadata = rawMetadata === null ? null : decodeURIComponent(rawMetadata);
    if (metadata !== null && byteLength(metadata) > KV_MAX_METADATA_BYTES) {
      throw new KvInputError(
        `metadata is ${byteLength(metadata)} bytes serialised, over the limit of ${KV_MAX_METADATA_BYTES}`,
      );
    }
    if (value.byteLength > KV_MAX_VALUE_BYTES) {
      throw new KvInputError(
        `value is ${value.byteLength} bytes, over the limit of ${KV_MAX_VALUE_BYTES}`,
      );
    }
    const bytes =
      byteLength(key) + value.byteLength + (metadata === null ? 0 : byteLength(metadata));
    const [old] = this.ctx.storage.sql
      .exec('SELECT bytes FROM entries WHERE key = ?', key)
      .toArray();
    const ledger = this.env.LEDGER.get(
      this.env.LEDGER.idFromName(request.headers.get('x-gov-ministry')),
    );
    const app = request.headers.get('x-gov-app');
    const granted = await ledger.reserve(app, bytes - (old?.bytes ?? 0));
    if (!granted.ok) {
      return failure(
        413,
        'quota_exceeded',
        `the ministry's KV storage quota is full: ${granted.used} of ${granted.limit} bytes used, this write needs ${bytes - (old?.bytes ?? 0)} more; delete keys or ask a platform operator to raise maxKvBytes`,
      );
    }
    this.ctx.storage.sql.exec(
      `INSERT INTO entries (key, value, metadata, expiration, bytes) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(key) DO UPDATE SET value = excluded.value, metadata = excluded.metadata,
         expiration = excluded.expiration, bytes = excluded.bytes`,
      key,
      value,
      metadata,
      expiration,
      bytes,
    );
    return new Response(null, { status: 204 });
  }

  async #delete(request, url) {
    const key = checkKey(url.searchParams.get('key'));
    const [old] = this.ctx.storage.sql
      .exec('SELECT bytes FROM entries WHERE key = ?', key)
      .toArray();
    if (old) {
      this.ctx.storage.sql.exec('DELETE FROM entries WHERE key = ?', key);
      const ledger = this.env.LEDGER.get(
        this.env.LEDGER.idFromName(request.headers.get('x-gov-ministry')),
      );
      await ledger.reserve(request.headers.get('x-gov-app'), -old.bytes);
    }
    return new Response(null, { status: 204 });
  }

  #list(url, now) {
    const prefix = url.searchParams.get('prefix') ?? '';
    const limitParam = url.searchParams.get('limit');
    const limit = limitParam === null ? KV_MAX_LIST : Number(limitParam);
    if (!Number.isInteger(limit) || limit < 1 || limit > KV_MAX_LIST) {
      throw new KvInputError(`limit must be a whole number from 1 to ${KV_MAX_LIST}`);
    }
    const cursor = url.searchParams.get('cursor');
    let after = '';
    if (cursor) {
      try {
        after = decodeURIComponent(escape(atob(cursor)));
      } catch {
        throw new KvInputError('cursor is not one this namespace gave');
      }
    }
    // Prefix match on a range, not LIKE: a key may hold % or _.
    const rows = this.ctx.storage.sql
      .exec(
        `SELECT key, metadata, expiration FROM entries
         WHERE key > ? AND substr(key, 1, ?) = ? AND (expiration IS NULL OR expiration > ?)
         ORDER BY key LIMIT ?`,
        after,
        prefix.length,
        prefix,
        now,
        limit + 1,
      )
      .toArray();
    const page = rows.slice(0, limit);
    const keys = page.map((r) => ({
      name: r.key,
      ...(r.expiration !== null ? { expiration: r.expiration } : {}),
      ...(r.metadata !== null ? { metadata: JSON.parse(r.metadata) } : {}),
    }));
    const complete = rows.length <= limit;
    const last = page.at(-1)?.key;
    return Response.json({
      keys,
      list_complete: complete,
      ...(complete || last === undefined
        ? {}
        : { cursor: btoa(unescape(encodeURIComponent(last))) }),
    });
  }
}

class KvInputError extends Error {}

function checkKey(key) {
  if (key === null || key === '') throw new KvInputError('the key is empty');
  if (key === '.' || key === '..') throw new KvInputError(`"${key}" cannot be a key`);
  if (byteLength(key) > KV_MAX_KEY_BYTES) {
    throw new KvInputError(
      `the key is ${byteLength(key)} bytes, over the limit of ${KV_MAX_KEY_BYTES}`,
    );
  }
  return key;
}

function expirationOf(params, now) {
  const ttl = params.get('expiration_ttl');
  const at = params.get('expiration');
  if (ttl !== null) {
    const seconds = Number(ttl);
    if (!Number.isInteger(seconds) || seconds < KV_MIN_TTL_SECONDS) {
      throw new KvInputError(`expirationTtl must be at least ${KV_MIN_TTL_SECONDS} seconds`);
    }
    return now + seconds;
  }
  if (at !== null) {
    const seconds = Number(at);
    if (!Number.isInteger(seconds) || seconds < now + KV_MIN_TTL_SECONDS) {
      throw new KvInputError(
        `expiration must be at least ${KV_MIN_TTL_SECONDS} seconds in the future (seconds since the epoch)`,
      );
    }
    return seconds;
  }
  return null;
}

/** What one ministry stores, per app, against the limit its quota sets. */
export class MinistryLedger extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      'CREATE TABLE IF NOT EXISTS usage (app TEXT PRIMARY KEY, bytes INTEGER NOT NULL)',
    );
    ctx.storage.sql.exec(
      'CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value INTEGER NOT NULL)',
    );
  }

  #used() {
    return this.ctx.storage.sql.exec('SELECT coalesce(sum(bytes), 0) AS used FROM usage').one()
      .used;
  }

  #limit() {
    const [row] = this.ctx.storage.sql
      .exec("SELECT value FROM settings WHERE name = 'kv_bytes'")
      .toArray();
    // Until the platform says, the default quota (100 MiB) holds.
    return row ? row.value : 100 * MIB;
  }

  /** A write that asks first: refused, and nothing recorded, if it would cross the limit. */
  reserve(app, delta) {
    const used = this.#used();
    const limit = this.#limit();
    if (delta > 0 && used + delta > limit) return { ok: false, used, limit };
    this.#record(app, delta);
    return { ok: true, used: Math.max(0, used + delta), limit };
  }

  status() {
    return { used: this.#used(), limit: this.#limit() };
  }

  /** Records what a write already took (SQL cannot ask first); the next ones are refused if full. */
  account(key, delta) {
    this.#record(key, delta);
    return this.status();
  }

  #record(key, delta) {
    const sql = this.ctx.storage.sql;
    const updated = sql.exec(
      'UPDATE usage SET bytes = max(0, bytes + ?) WHERE app = ?',
      delta,
      key,
    );
    if (updated.rowsWritten === 0 && delta > 0) {
      sql.exec('INSERT INTO usage (app, bytes) VALUES (?, ?)', key, delta);
    }
  }

  setLimit(bytes) {
    this.ctx.storage.sql.exec(
      "INSERT INTO settings (name, value) VALUES ('kv_bytes', ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
      bytes,
    );
    return { limit: bytes, used: this.#used() };
  }

  usage() {
    const apps = this.ctx.storage.sql.exec('SELECT app, bytes FROM usage ORDER BY app').toArray();
    return { limit: this.#limit(), used: this.#used(), apps };
  }
}

/** A D1 value as it travels in JSON: a blob as {"$blob": base64}. */
function fromWire(value) {
  if (value && typeof value === 'object' && typeof value.$blob === 'string') {
    return Uint8Array.from(atob(value.$blob), (c) => c.charCodeAt(0));
  }
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

/** Rows as D1 returns them: blobs as arrays of bytes. */
function toWire(value) {
  if (value instanceof ArrayBuffer) return [...new Uint8Array(value)];
  if (ArrayBuffer.isView(value))
    return [...new Uint8Array(value.buffer, value.byteOffset, value.byteLength)];
  return value;
}

const D1_MAX_SQL_BYTES = 100 * KIB;
const D1_MAX_PARAMS = 100;
const D1_MAX_BATCH = 100;
/** Statements that give room back may run when the ministry's storage is full. */
const FREES_ROOM = /^\s*(delete|drop)\b/i;

class D1InputError extends Error {}

/** One D1 database of one app: SQLite, as D1 is. */
export class D1Database extends DurableObject {
  async fetch(request) {
    const url = new URL(request.url);
    const op = url.pathname.split('/').filter(Boolean)[2];
    const ministry = request.headers.get('x-gov-ministry');
    const app = request.headers.get('x-gov-app');
    const binding = url.pathname.split('/').filter(Boolean)[1];
    const ledger = this.env.LEDGER.get(this.env.LEDGER.idFromName(ministry));
    const key = `${app}/d1/${binding}`;
    const started = Date.now();
    let body;
    try {
      body = await request.json();
    } catch {
      return failure(400, 'invalid_request', 'the body is not JSON');
    }
    const before = this.ctx.storage.sql.databaseSize;
    const statements =
      op === 'batch' ? body.statements : [{ sql: body.sql, params: body.params ?? [] }];
    try {
      if (
        !Array.isArray(statements) ||
        statements.length === 0 ||
        statements.length > D1_MAX_BATCH
      ) {
        throw new D1InputError(`a batch holds 1 to ${D1_MAX_BATCH} statements`);
      }
      for (const st of statements) checkStatement(st, op === 'exec');
      const status = await ledger.status();
      if (status.used >= status.limit && !statements.every((st) => FREES_ROOM.test(st.sql))) {
        return failure(
          413,
          'quota_exceeded',
          `the ministry's storage quota is full: ${status.used} of ${status.limit} bytes used; delete rows or ask a platform operator to raise maxKvBytes`,
        );
      }
      let results;
      if (op === 'exec') {
        // All or nothing: a script that fails halfway keeps none of its
        // statements, so a migration is applied whole or not at all.
        this.ctx.storage.transactionSync(() => this.ctx.storage.sql.exec(body.sql).toArray());
        results = { count: countStatements(body.sql), duration: Date.now() - started };
      } else {
        results = this.ctx.storage.transactionSync(() =>
          statements.map((st) => this.#run(st, started)),
        );
      }
      const after = this.ctx.storage.sql.databaseSize;
      if (after !== before) await ledger.account(key, after - before);
      return Response.json(op === 'exec' ? results : op === 'batch' ? results : results[0]);
    } catch (error) {
      if (error instanceof D1InputError) return failure(400, 'invalid_request', error.message);
      // SQLite's own words, as D1 gives them: "near \"SELEC\": syntax error…: SQLITE_ERROR".
      return failure(400, 'sql_error', String(error?.message ?? error));
    }
  }

  #run(statement, started) {
    const cursor = this.ctx.storage.sql.exec(statement.sql, ...statement.params.map(fromWire));
    const rows = cursor
      .raw()
      .toArray()
      .map((row) => row.map(toWire));
    const columns = cursor.columnNames;
    const [ids] = this.ctx.storage.sql
      .exec('SELECT changes() AS changes, last_insert_rowid() AS id')
      .toArray();
    return {
      columns,
      rows,
      meta: {
        served_by: 'gov-storage',
        duration: Date.now() - started,
        changes: cursor.rowsWritten > 0 ? ids.changes : 0,
        last_row_id: ids.id,
        changed_db: cursor.rowsWritten > 0,
        size_after: this.ctx.storage.sql.databaseSize,
        rows_read: cursor.rowsRead,
        rows_written: cursor.rowsWritten,
      },
    };
  }
}

function checkStatement(statement, isExec) {
  if (!statement || typeof statement.sql !== 'string' || statement.sql.trim() === '') {
    throw new D1InputError('the query is empty');
  }
  if (byteLength(statement.sql) > D1_MAX_SQL_BYTES) {
    throw new D1InputError(`the query is over ${D1_MAX_SQL_BYTES} bytes`);
  }
  if (isExec) return;
  if (!Array.isArray(statement.params) || statement.params.length > D1_MAX_PARAMS) {
    throw new D1InputError(`a statement binds at most ${D1_MAX_PARAMS} values`);
  }
}

/**
 * Statements in a script: what D1's exec() counts. Semicolons in quotes and
 * in comments (a line comment, or a block comment) separate nothing.
 */
function countStatements(sql) {
  let count = 0;
  let current = '';
  for (let i = 0; i < sql.length; i++) {
    const char = sql[i];
    if (char === "'" || char === '"') {
      const end = sql.indexOf(char, i + 1);
      const stop = end === -1 ? sql.length : end;
      current += sql.slice(i, stop + 1);
      i = stop;
    } else if (char === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end;
    } else if (char === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 1;
    } else if (char === ';') {
      if (current.trim()) count += 1;
      current = '';
    } else {
      current += char;
    }
  }
  if (current.trim()) count += 1;
  return count;
}
