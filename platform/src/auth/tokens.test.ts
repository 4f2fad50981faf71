import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/database.ts';
import { apiTokens } from '../db/schema/index.ts';
import { openTestDatabase } from '../db/test-database.ts';
import { ensureBootstrapToken } from './bootstrap.ts';
import { findActiveToken, hashToken, issueToken } from './tokens.ts';

let database: DatabaseHandle;
let dir: string;
beforeAll(async () => {
  database = await openTestDatabase();
  dir = await mkdtemp(path.join(tmpdir(), 'gov-tokens-'));
});
afterAll(async () => {
  await database.close();
  await rm(dir, { recursive: true, force: true });
});

describe('API tokens', () => {
  it('stores only a hash and finds the token by its secret', async () => {
    const { id, secret } = await issueToken(database.db, {
      kind: 'api',
      label: 'ci',
      role: 'operator',
      createdBy: 'test',
      expiresInDays: 30,
    });
    const rows = await database.db.select().from(apiTokens).where(eq(apiTokens.id, id));
    expect(JSON.stringify(rows)).not.toContain(secret);
    expect(rows[0]?.tokenHash).toBe(hashToken(secret));
    expect((await findActiveToken(database.db, secret))?.id).toBe(id);
  });

  it('refuses revoked, expired and malformed tokens', async () => {
    const revoked = await issueToken(database.db, {
      kind: 'api',
      label: 'old',
      role: 'operator',
      createdBy: 'test',
      expiresInDays: 30,
    });
    await database.db
      .update(apiTokens)
      .set({ revokedAt: new Date() })
      .where(eq(apiTokens.id, revoked.id));
    const expired = await issueToken(database.db, {
      kind: 'api',
      label: 'short',
      role: 'operator',
      createdBy: 'test',
      expiresInDays: -1,
    });
    expect(await findActiveToken(database.db, revoked.secret)).toBeUndefined();
    expect(await findActiveToken(database.db, expired.secret)).toBeUndefined();
    expect(await findActiveToken(database.db, "gov_' or 1=1 --")).toBeUndefined();
  });

  it('writes the bootstrap token once with mode 0600 and reuses it across restarts', async () => {
    const file = await ensureBootstrapToken(database.db, dir);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const first = (await readFile(file, 'utf8')).trim();
    expect(await findActiveToken(database.db, first)).toBeDefined();
    await ensureBootstrapToken(database.db, dir);
    expect((await readFile(file, 'utf8')).trim()).toBe(first);
  });

  it('replaces a bootstrap token that no longer works', async () => {
    await writeFile(path.join(dir, 'bootstrap-token'), 'gov_stale\n');
    const file = await ensureBootstrapToken(database.db, dir);
    const fresh = (await readFile(file, 'utf8')).trim();
    expect(fresh).not.toBe('gov_stale');
    expect(await findActiveToken(database.db, fresh)).toBeDefined();
  });
});
