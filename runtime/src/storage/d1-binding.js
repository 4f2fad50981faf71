// A D1 database as Workers code knows it (env.DB.prepare(…).bind(…).all(),
// batch, exec), given to the app by the platform as a wrapped binding. The
// SQL runs in the platform's storage service, in SQLite, in a database of
// this app's own: `storage` is a service binding whose requests workerd
// marks with the app's identity, which the app never sees.

function d1Error(message) {
  return new Error(`D1_ERROR: ${message}`);
}

function toWire(value, index) {
  if (value === null || typeof value === 'number' || typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'bigint') return Number(value);
  let bytes;
  if (value instanceof ArrayBuffer) bytes = new Uint8Array(value);
  else if (ArrayBuffer.isView(value))
    bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (bytes) {
    let binary = '';
    for (const b of bytes) binary += String.fromCharCode(b);
    return { $blob: btoa(binary) };
  }
  throw new Error(
    `D1_TYPE_ERROR: Type '${value === undefined ? 'undefined' : typeof value}' not supported for value '${String(value)}' at position ${index + 1}`,
  );
}

function asObjects(columns, rows) {
  return rows.map((row) => {
    const object = {};
    columns.forEach((name, i) => {
      object[name] = row[i];
    });
    return object;
  });
}

class GovD1PreparedStatement {
  #db;
  #sql;
  #params;

  constructor(db, sql, params = []) {
    this.#db = db;
    this.#sql = sql;
    this.#params = params;
  }

  bind(...values) {
    return new GovD1PreparedStatement(this.#db, this.#sql, values.map(toWire));
  }

  /** What a batch sends for this statement. */
  toJSON() {
    return { sql: this.#sql, params: this.#params };
  }

  async #query() {
    return this.#db.send('query', { sql: this.#sql, params: this.#params });
  }

  async all() {
    const { columns, rows, meta } = await this.#query();
    return { success: true, meta, results: asObjects(columns, rows) };
  }

  async run() {
    return this.all();
  }

  async first(column) {
    const { columns, rows } = await this.#query();
    const [row] = asObjects(columns, rows);
    if (row === undefined) return null;
    if (column === undefined) return row;
    if (!(column in row)) throw new Error('D1_COLUMN_NOTFOUND: Column not found');
    return row[column];
  }

  async raw(options = {}) {
    const { columns, rows } = await this.#query();
    return options.columnNames ? [columns, ...rows] : rows;
  }
}

class GovD1Database {
  #storage;
  #base;

  constructor(storage, binding) {
    this.#storage = storage;
    this.#base = `http://gov-storage/d1/${binding}`;
  }

  /** One call to the storage service; its refusals become D1's errors. */
  async send(op, body) {
    const response = await this.#storage.fetch(`${this.#base}/${op}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = await response.json().catch(() => undefined);
    if (!response.ok) throw d1Error(answer?.error?.message ?? `HTTP ${response.status}`);
    return answer;
  }

  prepare(sql) {
    if (typeof sql !== 'string') throw new TypeError('D1 prepare() takes a string of SQL.');
    return new GovD1PreparedStatement(this, sql);
  }

  async batch(statements) {
    if (
      !Array.isArray(statements) ||
      statements.some((s) => !(s instanceof GovD1PreparedStatement))
    ) {
      throw new TypeError('D1 batch() takes a list of prepared statements.');
    }
    const results = await this.send('batch', { statements: statements.map((s) => s.toJSON()) });
    return results.map(({ columns, rows, meta }) => ({
      success: true,
      meta,
      results: asObjects(columns, rows),
    }));
  }

  async exec(sql) {
    if (typeof sql !== 'string') throw new TypeError('D1 exec() takes a string of SQL.');
    return this.send('exec', { sql });
  }

  async dump() {
    throw d1Error('dump() is not provided on Gov: export with `gov d1 execute` and SELECT');
  }

  withSession() {
    return this;
  }
}

export default function makeD1Database(env) {
  return new GovD1Database(env.storage, env.binding);
}
