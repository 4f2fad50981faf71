import { chmod, mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import * as schema from './schema/index.ts';

/** Both drivers behind one type: routes and the reconciler never know which one runs. */
export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface DatabaseHandle {
  db: Database;
  kind: 'pglite' | 'postgres';
  close(): Promise<void>;
}

const migrationsFolder = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../drizzle',
);

/** Any number: all that matters is that every Gov control plane uses the same one. */
const MIGRATION_LOCK_KEY = 7070_2026;

export type DatabaseTarget =
  | { kind: 'postgres'; url: string }
  | { kind: 'pglite'; dataDir: string | undefined };

/**
 * Opens the platform database and brings its schema up to date. With a
 * postgres:// URL it uses PostgreSQL through the `postgres` driver; otherwise
 * embedded PGlite in a directory (or in memory when dataDir is undefined,
 * for tests).
 */
export async function openDatabase(target: DatabaseTarget): Promise<DatabaseHandle> {
  if (target.kind === 'postgres') {
    await migrateWithLock(target.url);
    const client = postgres(target.url, { max: 10, onnotice: () => {} });
    const db = drizzlePostgres(client, { schema, casing: 'snake_case' });
    return {
      db: db as unknown as Database,
      kind: 'postgres',
      close: () => client.end({ timeout: 5 }),
    };
  }
  if (target.dataDir) await mkdir(target.dataDir, { recursive: true, mode: 0o700 });
  const client = await PGlite.create(target.dataDir ? path.resolve(target.dataDir) : undefined);
  const db = drizzlePglite(client, { schema, casing: 'snake_case' });
  await migratePglite(db, { migrationsFolder });
  const dir = target.dataDir;
  if (dir) await ownerOnly(dir);
  return {
    db: db as unknown as Database,
    kind: 'pglite',
    close: async () => {
      await client.close();
      if (dir) await ownerOnly(dir);
    },
  };
}

/**
 * Two control planes starting together must not both run migrations: a
 * session advisory lock on one dedicated connection serialises them.
 */
async function migrateWithLock(url: string): Promise<void> {
  const client = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await client`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    await migratePostgres(drizzlePostgres(client), { migrationsFolder });
    await client`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
  } finally {
    await client.end({ timeout: 5 });
  }
}

/**
 * PGlite gives the files it creates mode 0666 whatever the umask. They sit in
 * directories only the platform's user can enter, and they are made 0600 at
 * every open and close as well.
 */
async function ownerOnly(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      await chmod(full, 0o700).catch(() => {});
      await ownerOnly(full);
    } else if (entry.isFile()) await chmod(full, 0o600).catch(() => {});
  }
  await chmod(dir, 0o700).catch(() => {});
}

/** Cheap round trip for /readyz. */
export async function pingDatabase(db: Database): Promise<void> {
  await db.execute(sql`select 1`);
}
