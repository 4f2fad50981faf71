// An R2 bucket as Workers code knows it (env.FILES.put, get, head, list,
// delete), given to the app by the platform as a wrapped binding. The
// objects live in the platform's storage service, in a bucket of this
// app's own: `storage` is a service binding whose requests workerd marks
// with the app's identity, which the app never sees.

const encoder = new TextEncoder();

function r2Error(op, message) {
  return new Error(`R2 ${op}() failed: ${message}`);
}

async function failed(op, response) {
  const body = await response.json().catch(() => undefined);
  return r2Error(op, `${response.status} ${body?.error?.message ?? response.statusText}`);
}

const HTTP_HEADERS = {
  contentType: 'content-type',
  contentLanguage: 'content-language',
  contentDisposition: 'content-disposition',
  contentEncoding: 'content-encoding',
  cacheControl: 'cache-control',
  cacheExpiry: 'expires',
};

class GovR2Object {
  constructor(meta) {
    this.key = meta.key;
    this.version = meta.version;
    this.size = meta.size;
    this.etag = meta.etag;
    this.httpEtag = `"${meta.etag}"`;
    this.uploaded = new Date(meta.uploaded);
    this.httpMetadata = { ...meta.httpMetadata };
    if (this.httpMetadata.cacheExpiry !== undefined) {
      this.httpMetadata.cacheExpiry = new Date(this.httpMetadata.cacheExpiry);
    }
    this.customMetadata = meta.customMetadata;
    this.range = meta.range;
    this.checksums = { md5: hexBytes(meta.etag), toJSON: () => ({ md5: meta.etag }) };
    this.storageClass = 'Standard';
  }

  /** Sets the object's HTTP headers (content type and the rest) on `headers`. */
  writeHttpMetadata(headers) {
    for (const [field, header] of Object.entries(HTTP_HEADERS)) {
      const value = this.httpMetadata[field];
      if (value === undefined) continue;
      headers.set(header, value instanceof Date ? value.toUTCString() : value);
    }
  }
}

class GovR2ObjectBody extends GovR2Object {
  #response;

  constructor(meta, response) {
    super(meta);
    this.#response = response;
  }

  get body() {
    return this.#response.body;
  }

  get bodyUsed() {
    return this.#response.bodyUsed;
  }

  arrayBuffer() {
    return this.#response.arrayBuffer();
  }

  async bytes() {
    return new Uint8Array(await this.#response.arrayBuffer());
  }

  text() {
    return this.#response.text();
  }

  json() {
    return this.#response.json();
  }

  blob() {
    return this.#response.blob();
  }
}

function hexBytes(hex) {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++)
    bytes[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes.buffer;
}

function toHex(value) {
  if (typeof value === 'string') return value.toLowerCase();
  const bytes =
    value instanceof ArrayBuffer
      ? new Uint8Array(value)
      : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function timeOf(value) {
  return value instanceof Date ? value.getTime() : new Date(value).getTime();
}

/** onlyIf as query parameters: an object as R2 takes it, or request headers. */
function conditionParams(onlyIf) {
  if (onlyIf === undefined || onlyIf === null) return {};
  if (onlyIf instanceof Headers) {
    return {
      if_match: onlyIf.get('if-match') ?? undefined,
      if_none_match: onlyIf.get('if-none-match') ?? undefined,
      uploaded_before: onlyIf.has('if-unmodified-since')
        ? timeOf(onlyIf.get('if-unmodified-since')) + 1000
        : undefined,
      uploaded_after: onlyIf.has('if-modified-since')
        ? timeOf(onlyIf.get('if-modified-since')) + 999
        : undefined,
    };
  }
  return {
    if_match: onlyIf.etagMatches,
    if_none_match: onlyIf.etagDoesNotMatch,
    uploaded_before:
      onlyIf.uploadedBefore === undefined ? undefined : timeOf(onlyIf.uploadedBefore),
    uploaded_after: onlyIf.uploadedAfter === undefined ? undefined : timeOf(onlyIf.uploadedAfter),
  };
}

/** A range as query parameters: {offset, length}, {suffix}, or a Range header. */
function rangeParams(range) {
  if (range === undefined || range === null) return {};
  if (range instanceof Headers) {
    const header = range.get('range');
    if (header === null) return {};
    const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
    if (!match || (match[1] === '' && match[2] === '')) {
      throw r2Error('get', `the range "${header}" is not one R2 reads (bytes=from-to)`);
    }
    if (match[1] === '') return { suffix: match[2] };
    const from = Number(match[1]);
    return match[2] === ''
      ? { offset: from }
      : { offset: from, length: Number(match[2]) - from + 1 };
  }
  return { offset: range.offset, length: range.length, suffix: range.suffix };
}

function httpMetadataOf(value) {
  if (value === undefined) return undefined;
  if (value instanceof Headers) {
    const kept = {};
    for (const [field, header] of Object.entries(HTTP_HEADERS)) {
      if (value.has(header)) kept[field] = value.get(header);
    }
    return kept;
  }
  const kept = { ...value };
  if (kept.cacheExpiry instanceof Date) kept.cacheExpiry = kept.cacheExpiry.toISOString();
  return kept;
}

function bodyOf(value) {
  if (value === null || value === undefined) return new Uint8Array(0);
  if (typeof value === 'string') return encoder.encode(value);
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return value;
  if (value instanceof ReadableStream || value instanceof Blob) return value;
  throw new TypeError(
    'R2 put() accepts only null, strings, Blobs, ArrayBuffers, ArrayBufferViews, and ReadableStreams as values.',
  );
}

class GovR2Bucket {
  #storage;
  #base;

  constructor(storage, binding) {
    this.#storage = storage;
    this.#base = `http://gov-storage/r2/${binding}`;
  }

  #url(op, params) {
    const url = new URL(`${this.#base}/${op}`);
    for (const [k, v] of Object.entries(params))
      if (v !== undefined) url.searchParams.set(k, String(v));
    return url;
  }

  async head(key) {
    if (typeof key !== 'string') throw new TypeError('R2 head() takes a string key.');
    const response = await this.#storage.fetch(this.#url('head', { key }));
    if (response.status === 404) return null;
    if (!response.ok) throw await failed('head', response);
    return new GovR2Object(await response.json());
  }

  async get(key, options = {}) {
    if (typeof key !== 'string') throw new TypeError('R2 get() takes a string key.');
    const response = await this.#storage.fetch(
      this.#url('get', {
        key,
        ...conditionParams(options.onlyIf),
        ...rangeParams(options.range),
      }),
    );
    if (response.status === 404) return null;
    if (!response.ok) throw await failed('get', response);
    if (response.headers.get('x-gov-r2-body') === 'none') {
      return new GovR2Object(await response.json());
    }
    const meta = JSON.parse(decodeURIComponent(response.headers.get('x-gov-r2-object')));
    return new GovR2ObjectBody(meta, response);
  }

  async put(key, value, options = {}) {
    if (typeof key !== 'string') throw new TypeError('R2 put() takes a string key.');
    for (const checksum of ['sha1', 'sha256', 'sha384', 'sha512']) {
      if (options[checksum] !== undefined) {
        throw r2Error('put', `the ${checksum} option is not provided on Gov; use md5`);
      }
    }
    if (options.storageClass !== undefined && options.storageClass !== 'Standard') {
      throw r2Error('put', 'Gov keeps every object in one storage class, Standard');
    }
    const headers = {};
    const httpMetadata = httpMetadataOf(options.httpMetadata);
    if (httpMetadata !== undefined) {
      headers['x-gov-r2-http-metadata'] = encodeURIComponent(JSON.stringify(httpMetadata));
    }
    if (options.customMetadata !== undefined) {
      headers['x-gov-r2-custom-metadata'] = encodeURIComponent(
        JSON.stringify(options.customMetadata),
      );
    }
    const response = await this.#storage.fetch(
      this.#url('put', {
        key,
        md5: options.md5 === undefined ? undefined : toHex(options.md5),
        ...conditionParams(options.onlyIf),
      }),
      { method: 'PUT', headers, body: bodyOf(value) },
    );
    if (response.status === 412) {
      await response.arrayBuffer();
      return null;
    }
    if (!response.ok) throw await failed('put', response);
    return new GovR2Object(await response.json());
  }

  async delete(keys) {
    const list = Array.isArray(keys) ? keys : [keys];
    if (list.some((k) => typeof k !== 'string')) {
      throw new TypeError('R2 delete() takes a string key or a list of them.');
    }
    const response = await this.#storage.fetch(this.#url('delete', {}), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ keys: list }),
    });
    if (!response.ok) throw await failed('delete', response);
  }

  async list(options = {}) {
    const response = await this.#storage.fetch(
      this.#url('list', {
        prefix: options.prefix ?? undefined,
        limit: options.limit,
        cursor: options.cursor ?? undefined,
        delimiter: options.delimiter ?? undefined,
        start_after: options.startAfter ?? undefined,
        include: Array.isArray(options.include) ? options.include.join(',') : undefined,
      }),
    );
    if (!response.ok) throw await failed('list', response);
    const page = await response.json();
    return {
      objects: page.objects.map((meta) => new GovR2Object(meta)),
      delimitedPrefixes: page.delimitedPrefixes,
      truncated: page.truncated,
      ...(page.truncated ? { cursor: page.cursor } : {}),
    };
  }

  createMultipartUpload() {
    throw r2Error(
      'createMultipartUpload',
      'multipart uploads are not provided on Gov yet: put() the whole object (up to 100 MiB)',
    );
  }

  resumeMultipartUpload() {
    throw r2Error(
      'resumeMultipartUpload',
      'multipart uploads are not provided on Gov yet: put() the whole object (up to 100 MiB)',
    );
  }
}

export default function makeR2Bucket(env) {
  return new GovR2Bucket(env.storage, env.binding);
}
