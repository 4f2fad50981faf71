// A KV namespace as Workers code knows it (env.KV.get, put, list…), given to
// the app by the platform as a wrapped binding. It speaks to the platform's
// storage service through `storage`, a service binding whose requests
// workerd marks with the app's identity: nothing here can name another
// app's data, and the app never sees that identity.

const encoder = new TextEncoder();

function kvError(op, status, message) {
  return new Error(`KV ${op}() failed: ${status} ${message}`);
}

async function failed(op, response) {
  const body = await response.json().catch(() => undefined);
  return kvError(op, response.status, body?.error?.message ?? response.statusText);
}

function typeOf(options) {
  if (options === undefined || options === null) return 'text';
  if (typeof options === 'string') return options;
  return options.type ?? 'text';
}

async function decode(response, type) {
  switch (type) {
    case 'text':
      return response.text();
    case 'json':
      return JSON.parse(await response.text());
    case 'arrayBuffer':
      return response.arrayBuffer();
    case 'stream':
      return response.body;
    default:
      throw new TypeError(
        `Unknown response type. Possible types are "text", "arrayBuffer", "json", and "stream".`,
      );
  }
}

async function bodyOf(value) {
  if (typeof value === 'string') return encoder.encode(value);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value))
    return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ReadableStream)
    return new Uint8Array(await new Response(value).arrayBuffer());
  throw new TypeError(
    'KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ReadableStreams as values.',
  );
}

class GovKvNamespace {
  #storage;
  #base;

  constructor(storage, binding) {
    this.#storage = storage;
    this.#base = `http://gov-storage/kv/${binding}`;
  }

  #url(op, params) {
    const url = new URL(`${this.#base}/${op}`);
    for (const [k, v] of Object.entries(params))
      if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  async #fetchValue(key) {
    if (typeof key !== 'string') throw new TypeError('KV get() takes a string key.');
    const response = await this.#storage.fetch(this.#url('get', { key }));
    if (response.status === 404) return undefined;
    if (!response.ok) throw await failed('get', response);
    return response;
  }

  async get(key, options) {
    if (Array.isArray(key)) {
      const values = new Map();
      for (const k of key) values.set(k, await this.get(k, options));
      return values;
    }
    const type = typeOf(options);
    const response = await this.#fetchValue(key);
    return response === undefined ? null : decode(response, type);
  }

  async getWithMetadata(key, options) {
    const type = typeOf(options);
    const response = await this.#fetchValue(key);
    if (response === undefined) return { value: null, metadata: null, cacheStatus: null };
    const raw = response.headers.get('x-gov-kv-metadata');
    const metadata = raw === null ? null : JSON.parse(decodeURIComponent(raw));
    return { value: await decode(response, type), metadata, cacheStatus: null };
  }

  async put(key, value, options = {}) {
    if (typeof key !== 'string') throw new TypeError('KV put() takes a string key.');
    const headers = {};
    if (options.metadata !== undefined) {
      headers['x-gov-kv-metadata'] = encodeURIComponent(JSON.stringify(options.metadata));
    }
    const response = await this.#storage.fetch(
      this.#url('put', {
        key,
        expiration: options.expiration,
        expiration_ttl: options.expirationTtl,
      }),
      { method: 'PUT', headers, body: await bodyOf(value) },
    );
    if (!response.ok) throw await failed('put', response);
  }

  async delete(key) {
    if (typeof key !== 'string') throw new TypeError('KV delete() takes a string key.');
    const response = await this.#storage.fetch(this.#url('delete', { key }), { method: 'DELETE' });
    if (!response.ok) throw await failed('delete', response);
  }

  async list(options = {}) {
    const response = await this.#storage.fetch(
      this.#url('list', {
        prefix: options.prefix ?? undefined,
        limit: options.limit,
        cursor: options.cursor ?? undefined,
      }),
    );
    if (!response.ok) throw await failed('list', response);
    const page = await response.json();
    return { ...page, cacheStatus: null };
  }
}

export default function makeKvNamespace(env) {
  return new GovKvNamespace(env.storage, env.binding);
}
