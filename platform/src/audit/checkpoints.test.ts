import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AuditCheckpoint } from '@gov/contract';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/database.ts';
import { type AuditRecordRow, auditLog } from '../db/schema/index.ts';
import { openTestDatabase } from '../db/test-database.ts';
import { auditRows, rewriteAuditFrom, asTableOwner as tamper } from '../testing/audit-tamper.ts';
import { appendAudit } from './append.ts';
import { checkpointFile } from './checkpoint-file.ts';
import { AuditCheckpointer, signCheckpoint } from './checkpoints.ts';
import { type AuditSigningKey, loadAuditSigningKey } from './signing-key.ts';
import { AuditChainVerifier } from './verifier.ts';
import { verifyAuditChain } from './verify.ts';

/**
 * The tampering the chain alone cannot see, done as the table owner (who can
 * switch the guard trigger off): each passes a plain verification, and each
 * is caught once a signed checkpoint exists after the records touched.
 */
let database: DatabaseHandle;
let dataDir: string;
let key: AuditSigningKey;
let checkpointer: AuditCheckpointer;
const logs: Record<string, unknown>[] = [];
let signed: AuditCheckpoint[] = [];
let original: AuditRecordRow[] = [];

const append = (i: number) =>
  appendAudit(database.db, {
    actorType: 'token',
    actorId: 'tok_test',
    action: 'app.create',
    targetType: 'app',
    targetId: `app_${i}`,
    ministryId: 'min_test',
    sourceIp: '127.0.0.1',
    tokenId: 'tok_test',
    outcome: 'success',
    details: { i },
  });

const asTableOwner = (...statements: ReturnType<typeof sql>[]) =>
  tamper(database.db, ...statements);
const rows = () => auditRows(database.db);

beforeAll(async () => {
  database = await openTestDatabase();
  dataDir = await mkdtemp(path.join(tmpdir(), 'gov-checkpoints-'));
  key = await loadAuditSigningKey(dataDir, undefined);
  checkpointer = new AuditCheckpointer({
    db: database.db,
    dataDir,
    signingKey: key,
    log: (e) => logs.push(e),
  });
  for (const i of [1, 2]) await append(i);
  const first = await checkpointer.checkpointNow();
  for (const i of [3, 4, 5, 6]) await append(i);
  const second = await checkpointer.checkpointNow();
  signed = [first, second].filter((c) => c !== undefined);
  original = await rows();
});
afterAll(async () => {
  await database.close();
  await rm(dataDir, { recursive: true, force: true });
});
// Every case starts again from the chain as it was signed.
afterEach(async () => {
  await asTableOwner(sql`delete from audit_log`);
  await database.db.execute(sql`alter table audit_log disable trigger audit_log_no_update_delete`);
  await database.db.insert(auditLog).values(original);
  await database.db.execute(sql`alter table audit_log enable trigger audit_log_no_update_delete`);
});

const withCheckpoints = () => verifyAuditChain(database.db, { checkpoints: signed });

describe(`signed checkpoints (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('are taken of the head when it moved, and not again when it did not', async () => {
    expect(signed.map((c) => c.seq)).toEqual([2, 6]);
    expect(signed[1]?.hash).toBe(original.at(-1)?.hash);
    expect(await checkpointer.checkpointNow()).toBeUndefined();
    expect(await withCheckpoints()).toMatchObject({ ok: true, records: 6 });
  });

  it('catch the last records deleted', async () => {
    await asTableOwner(sql`delete from audit_log where seq > 4`);
    // What the chain alone said before checkpoints: intact.
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, records: 4 });
    expect(await withCheckpoints()).toEqual({
      ok: false,
      records: 4,
      brokenAt: 5,
      reason: 'truncated',
    });
  });

  it('catch every record deleted', async () => {
    await asTableOwner(sql`delete from audit_log`);
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, records: 0 });
    expect(await withCheckpoints()).toEqual({
      ok: false,
      records: 0,
      brokenAt: 1,
      reason: 'truncated',
    });
  });

  it('catch a record rewritten with every later one rehashed, after the last checkpoint that still holds', async () => {
    await rewriteFrom(3, { actorId: 'tok_intrus' });
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, records: 6 });
    expect(await withCheckpoints()).toEqual({
      ok: false,
      records: 2,
      brokenAt: 6,
      reason: 'rewritten',
    });
  });

  it('catch the last records replaced by new ones', async () => {
    await asTableOwner(sql`delete from audit_log where seq > 4`);
    for (const i of [7, 8]) await append(i);
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, records: 6 });
    expect(await withCheckpoints()).toMatchObject({ ok: false, brokenAt: 6, reason: 'rewritten' });
  });

  it('are not signed over a chain that no longer agrees with the last one', async () => {
    await rewriteFrom(5, { outcome: 'denied' });
    await append(9);
    expect(await checkpointer.checkpointNow()).toBeUndefined();
    expect(logs.at(-1)).toMatchObject({
      level: 'error',
      message: expect.stringContaining('audit log broken at record 6 (rewritten)'),
    });
    await asTableOwner(sql`delete from audit_log where seq > 3`);
    expect(await checkpointer.checkpointNow()).toBeUndefined();
    expect(logs.at(-1)?.message).toContain('(truncated)');
  });
});

describe('the server’s verifier', () => {
  const verifier = () => new AuditChainVerifier({ db: database.db, dataDir, cacheMs: 0 });

  it('walks the whole chain first, then resumes from the head it verified', async () => {
    const v = verifier();
    expect(await v.verify()).toMatchObject({
      ok: true,
      records: 6,
      scope: 'full',
      checkpoint: { seq: 6 },
      rejectedCheckpoints: 0,
    });
    await append(10);
    expect(await v.verify()).toMatchObject({ ok: true, records: 7, scope: 'incremental' });
    expect(await v.verify({ full: true })).toMatchObject({ ok: true, records: 7, scope: 'full' });
  });

  it('shares one walk between checks asked together', async () => {
    const v = verifier();
    const [a, b] = await Promise.all([v.verify(), v.verify()]);
    expect(a).toBe(b);
  });

  it('catches, incrementally, records deleted below the head it verified', async () => {
    const v = verifier();
    await append(11);
    await v.verify();
    await asTableOwner(sql`delete from audit_log where seq = 7`);
    expect(await v.verify()).toMatchObject({
      ok: false,
      scope: 'incremental',
      brokenAt: 7,
      reason: 'truncated',
    });
  });

  it('catches, incrementally, a rewrite before the head it verified', async () => {
    const v = verifier();
    await v.verify();
    await rewriteFrom(4, { action: 'app.delete' });
    expect(await v.verify()).toMatchObject({
      ok: false,
      scope: 'incremental',
      brokenAt: 6,
      reason: 'rewritten',
    });
  });

  it('reports a checkpoint whose signature does not hold', async () => {
    const v = verifier();
    const other = await loadAuditSigningKey(
      await mkdtemp(path.join(tmpdir(), 'gov-other-key-')),
      undefined,
    );
    // Signed by another key, yet claiming to be this platform's.
    const forged = {
      ...signCheckpoint({ seq: 40, hash: 'f'.repeat(64) }, other),
      keyId: key.keyId,
    };
    await appendFile(checkpointFile(dataDir), `${JSON.stringify(forged)}\n`);
    expect(await v.verify()).toMatchObject({
      ok: false,
      records: 6,
      brokenAt: 40,
      reason: 'bad_checkpoint',
      rejectedCheckpoints: 1,
      checkpoint: { seq: 6 },
    });
    await appendFile(checkpointFile(dataDir), 'not a checkpoint\n');
    expect(await v.verify()).toMatchObject({ reason: 'bad_checkpoint', rejectedCheckpoints: 2 });
  });
});

/** Changes record `seq` and rehashes it and every later one, so every link holds again. */
async function rewriteFrom(seq: number, change: Partial<AuditRecordRow>) {
  const { before, after } = await rewriteAuditFrom(database.db, seq, change);
  expect(before).toBe(original.find((r) => r.seq === seq)?.hash);
  expect(after).not.toBe(before);
}
