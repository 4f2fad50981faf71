import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { citizenRequest } from '../support/citizen.ts';
import { gov } from '../support/gov-cli.ts';
import { killDuringBurst } from '../support/kill-during-burst.ts';
import { api, type PlatformProcess, startPlatformProcess } from '../support/platform-process.ts';

/**
 * D1 databases as Workers code uses them, on real workerd and the
 * platform's storage service (SQLite): tables made with `gov d1 execute`,
 * then the D1 API from a deployed app, through the gateway.
 */
let platform: PlatformProcess;
const dirs: string[] = [];

/** Routes that exercise env.DB; the body of a POST is JSON {sql, params}. */
const D1_APP = `
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const db = env[url.searchParams.get('db') ?? 'DB'];
    try {
      if (url.pathname === '/all') {
        const { sql, params = [] } = await request.json();
        return Response.json(await db.prepare(sql).bind(...params).all());
      }
      if (url.pathname === '/first') {
        const { sql, params = [], column } = await request.json();
        return Response.json(await db.prepare(sql).bind(...params).first(column));
      }
      if (url.pathname === '/raw') {
        const { sql } = await request.json();
        return Response.json(await db.prepare(sql).raw({ columnNames: true }));
      }
      if (url.pathname === '/run') {
        const { sql, params = [] } = await request.json();
        return Response.json(await db.prepare(sql).bind(...params).run());
      }
      if (url.pathname === '/batch') {
        const { statements } = await request.json();
        return Response.json(await db.batch(statements.map((s) => db.prepare(s.sql).bind(...(s.params ?? [])))));
      }
      if (url.pathname === '/exec') return Response.json(await db.exec(await request.text()));
      if (url.pathname === '/undefined') return Response.json(await db.prepare('SELECT ?').bind(undefined).all());
      return new Response('routes: /all /first /raw /run /batch /exec', { status: 404 });
    } catch (error) {
      return new Response(error.message, { status: 500 });
    }
  },
};
`;

async function project(name: string, ministry: string) {
  const dir = await mkdtemp(path.join(tmpdir(), `${name}-`));
  dirs.push(dir);
  await writeFile(
    path.join(dir, 'wrangler.toml'),
    `name = "${name}"\nmain = "index.js"\ncompatibility_date = "2026-04-01"\n\n[[d1_databases]]\nbinding = "DB"\ndatabase_name = "registre"\ndatabase_id = "6d1f0d5e-1111-2222-3333-444455556666"\n\n[gov]\nministry = "${ministry}"\n`,
  );
  await writeFile(path.join(dir, 'index.js'), D1_APP);
  return dir;
}

const post = async (base: string, pathname: string, body: unknown) => {
  const res = await citizenRequest(new URL(pathname, base).toString(), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  let json: unknown;
  try {
    json = JSON.parse(res.body);
  } catch {
    json = undefined;
  }
  // biome-ignore lint/suspicious/noExplicitAny: tests read D1's result shapes.
  return { status: res.status, body: res.body, json: json as any };
};

let etatCivil = '';
let dir = '';

beforeAll(async () => {
  platform = await startPlatformProcess();
  for (const [name, displayName] of [
    ['interieur', "Ministère de l'Intérieur"],
    ['justice', 'Ministère de la Justice'],
  ]) {
    await api(platform, 'POST', '/v1/ministries', { name, displayName });
  }
  dir = await project('etat-civil', 'interieur');
  await writeFile(
    path.join(dir, 'schema.sql'),
    `CREATE TABLE naissances (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  nom TEXT NOT NULL,
  commune TEXT NOT NULL, -- a comment; with a semicolon
  photo BLOB
);
CREATE INDEX naissances_commune ON naissances (commune);
INSERT INTO naissances (nom, commune) VALUES ('Traoré', 'Kayes');
`,
  );
  const created = await gov(['d1', 'execute', 'DB', '--file', 'schema.sql'], platform.cliEnv, dir);
  expect(created.code, created.stderr).toBe(0);
  expect(created.stderr).toMatch(/3 statement\(s\) run in DB of etat-civil/);
  const deployed = await gov(['deploy'], platform.cliEnv, dir);
  expect(deployed.code, deployed.stderr).toBe(0);
  expect(deployed.stderr).toMatch(
    /note: the database_name and database_id of D1 database DB in wrangler\.toml are not used on Gov/,
  );
  etatCivil = deployed.stdout.trim();
}, 120_000);

afterAll(async () => {
  await platform?.destroy();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('D1 databases', () => {
  it('answers all(), first(), raw() and run() with D1’s shapes', async () => {
    const all = await post(etatCivil, '/all', {
      sql: 'SELECT nom, commune FROM naissances WHERE commune = ?',
      params: ['Kayes'],
    });
    expect(all.status, all.body).toBe(200);
    expect(all.json).toMatchObject({
      success: true,
      results: [{ nom: 'Traoré', commune: 'Kayes' }],
      meta: { rows_read: expect.any(Number), changed_db: false },
    });
    expect(
      (
        await post(etatCivil, '/first', {
          sql: 'SELECT count(*) AS n FROM naissances',
          column: 'n',
        })
      ).json,
    ).toBe(1);
    expect(
      (await post(etatCivil, '/first', { sql: 'SELECT * FROM naissances WHERE 0' })).json,
    ).toBeNull();
    expect(
      (await post(etatCivil, '/raw', { sql: 'SELECT nom, commune FROM naissances' })).json,
    ).toEqual([
      ['nom', 'commune'],
      ['Traoré', 'Kayes'],
    ]);
    const run = await post(etatCivil, '/run', {
      sql: 'INSERT INTO naissances (nom, commune, photo) VALUES (?, ?, ?)',
      params: ['Keïta', 'Ségou', null],
    });
    expect(run.json.meta).toMatchObject({ changes: 1, last_row_id: 2, changed_db: true });
  });

  it('runs a batch in one transaction: a failing statement keeps none of it', async () => {
    const failing = await post(etatCivil, '/batch', {
      statements: [
        { sql: 'INSERT INTO naissances (nom, commune) VALUES (?, ?)', params: ['Diarra', 'Mopti'] },
        { sql: 'INSERT INTO naissances (nom) VALUES (?)', params: ['sans commune'] },
      ],
    });
    expect(failing.status).toBe(500);
    expect(failing.body).toMatch(/^D1_ERROR: NOT NULL constraint failed: naissances\.commune/);
    expect(
      (
        await post(etatCivil, '/first', {
          sql: "SELECT count(*) AS n FROM naissances WHERE nom = 'Diarra'",
          column: 'n',
        })
      ).json,
    ).toBe(0);
    const ok = await post(etatCivil, '/batch', {
      statements: [
        { sql: 'INSERT INTO naissances (nom, commune) VALUES (?, ?)', params: ['Diarra', 'Mopti'] },
        { sql: 'SELECT count(*) AS n FROM naissances' },
      ],
    });
    expect(ok.json).toHaveLength(2);
    expect(ok.json[1].results).toEqual([{ n: 3 }]);
  });

  it('gives SQLite’s errors in D1’s shape, and refuses what D1 refuses', async () => {
    const syntax = await post(etatCivil, '/all', { sql: 'SELEC nom FROM naissances' });
    expect(syntax.body).toMatch(/^D1_ERROR: near "SELEC": syntax error/);
    const unknown = await post(etatCivil, '/all', { sql: 'SELECT * FROM dossiers' });
    expect(unknown.body).toMatch(/^D1_ERROR: no such table: dossiers/);
    expect((await citizenRequest(new URL('/undefined', etatCivil).toString())).body).toMatch(
      /^D1_TYPE_ERROR: Type 'undefined' not supported/,
    );
    const column = await post(etatCivil, '/first', {
      sql: 'SELECT nom FROM naissances',
      column: 'age',
    });
    expect(column.body).toMatch(/D1_COLUMN_NOTFOUND/);
    const transaction = await post(etatCivil, '/all', { sql: 'BEGIN TRANSACTION' });
    expect(transaction.body).toMatch(/^D1_ERROR: /);
  });

  it('runs a script with exec(), counting its statements', async () => {
    const res = await post(
      etatCivil,
      '/exec',
      "CREATE TABLE IF NOT EXISTS journal (ligne TEXT);\nINSERT INTO journal VALUES ('a;b');\nINSERT INTO journal VALUES ('c')",
    );
    expect(res.json).toMatchObject({ count: 3 });
  });

  it('answers gov d1 execute --command with rows, and a syntax error with D1’s words', async () => {
    const rows = await gov(
      ['d1', 'execute', 'DB', '--command', 'SELECT nom, commune FROM naissances ORDER BY id'],
      platform.cliEnv,
      dir,
    );
    expect(rows.code, rows.stderr).toBe(0);
    expect(rows.stdout).toMatch(/^nom\s+commune\nTraoré\s+Kayes\nKeïta\s+Ségou\nDiarra\s+Mopti\n$/);
    const broken = await gov(['d1', 'execute', 'DB', '--command', 'SELEC 1'], platform.cliEnv, dir);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/^gov: D1_ERROR: near "SELEC": syntax error/);
  });

  it('applies migrations in order, each whole or not at all, and says which are applied', async () => {
    await mkdir(path.join(dir, 'migrations'));
    await writeFile(
      path.join(dir, 'migrations/0001_statuts.sql'),
      "CREATE TABLE statuts (code TEXT PRIMARY KEY);\nINSERT INTO statuts VALUES ('recue');\n",
    );
    // A mistake in the second statement: the first must not stay behind.
    await writeFile(
      path.join(dir, 'migrations/0002_suivi.sql'),
      'CREATE TABLE suivi (demande INTEGER);\nINSERT INTO table_absente VALUES (1);\n',
    );
    const failed = await gov(['d1', 'migrations', 'apply', 'DB'], platform.cliEnv, dir);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(
      /^applied 0001_statuts\.sql\ngov: 0002_suivi\.sql: D1_ERROR: no such table: table_absente/,
    );
    expect(failed.stderr).toMatch(
      /nothing of 0002_suivi\.sql was kept; applied before it: 0001_statuts\.sql/,
    );
    const tables = await gov(
      ['d1', 'execute', 'DB', '--command', "SELECT name FROM sqlite_master WHERE name = 'suivi'"],
      platform.cliEnv,
      dir,
    );
    expect(tables.stdout).not.toMatch(/suivi/);
    const listed = await gov(['d1', 'migrations', 'list', 'DB'], platform.cliEnv, dir);
    expect(listed.stdout).toMatch(/0001_statuts\.sql\s+yes\n0002_suivi\.sql\s+no\n/);
    await writeFile(
      path.join(dir, 'migrations/0002_suivi.sql'),
      'CREATE TABLE suivi (demande INTEGER);\n',
    );
    const fixed = await gov(['d1', 'migrations', 'apply', 'DB'], platform.cliEnv, dir);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.stderr).toBe(
      'applied 0002_suivi.sql\n1 migration(s) applied to DB of etat-civil.\n',
    );
    const again = await gov(['d1', 'migrations', 'apply', 'DB'], platform.cliEnv, dir);
    expect(again.stderr).toMatch(/DB of etat-civil is up to date \(2 migration\(s\)\)/);
    const unknown = await gov(['d1', 'migrations', 'apply', 'REGISTRE'], platform.cliEnv, dir);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(
      /"REGISTRE" is not a D1 binding of wrangler\.toml\n {2}hint: its D1 bindings: DB/,
    );
  });

  it('gives each app its own databases, in its ministry and in another', async () => {
    for (const [name, ministry] of [
      ['voisin', 'interieur'],
      ['juge', 'justice'],
    ] as const) {
      const other = await gov(['deploy'], platform.cliEnv, await project(name, ministry));
      expect(other.code, other.stderr).toBe(0);
      const url = other.stdout.trim();
      const res = await post(url, '/all', { sql: 'SELECT * FROM naissances' });
      expect(res.body).toMatch(/no such table: naissances/);
    }
  });

  it('keeps the data through a new version and a restart of the whole platform', async () => {
    await writeFile(path.join(dir, 'index.js'), `${D1_APP}\n// v2\n`);
    expect((await gov(['deploy'], platform.cliEnv, dir)).code).toBe(0);
    const count = async () =>
      (
        await post(etatCivil, '/first', {
          sql: 'SELECT count(*) AS n FROM naissances',
          column: 'n',
        })
      ).json;
    expect(await count()).toBe(3);
    platform = await platform.restart();
    await expect.poll(count, { timeout: 30_000 }).toBe(3);
  });

  it('loses no acknowledged write when the platform is killed outright during a burst', async () => {
    const killed = await killDuringBurst(
      platform,
      async (i) =>
        (
          await post(etatCivil, '/run', {
            sql: 'INSERT INTO journal VALUES (?)',
            params: [`rafale-${i}`],
          })
        ).status === 200,
    );
    platform = killed.platform;
    expect(killed.acknowledged).toBeGreaterThan(0);
    const kept = async () =>
      (
        await post(etatCivil, '/first', {
          sql: "SELECT count(*) AS n FROM journal WHERE ligne LIKE 'rafale-%'",
          column: 'n',
        })
      ).json;
    await expect.poll(kept, { timeout: 30_000 }).toBeGreaterThanOrEqual(killed.acknowledged);
  });
});
