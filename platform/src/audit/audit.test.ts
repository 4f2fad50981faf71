import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../db/database.ts';
import { auditLog } from '../db/schema/index.ts';
import { openTestDatabase } from '../db/test-database.ts';
import { appendAudit } from './append.ts';
import { verifyAuditChain } from './verify.ts';

let database: DatabaseHandle;
beforeAll(async () => {
  database = await openTestDatabase();
  for (const [i, action] of [
    'ministry.create',
    'app.create',
    'deployment.create',
    'deployment.rollback',
  ].entries()) {
    await appendAudit(database.db, {
      actorType: 'token',
      actorId: 'tok_test',
      action,
      targetType: action.split('.')[0] ?? 'x',
      targetId: `id_${i}`,
      ministryId: 'min_test',
      sourceIp: '127.0.0.1',
      tokenId: 'tok_test',
      outcome: 'success',
      details: { étape: i, nested: { b: 1, a: [1, 'deux'] } },
    });
  }
});
afterAll(() => database.close());

/** Tampering needs powers the application does not use: switching the guard trigger off. */
async function asSuperuser(statement: ReturnType<typeof sql>) {
  await database.db.execute(sql`alter table audit_log disable trigger audit_log_no_update_delete`);
  try {
    await database.db.execute(statement);
  } finally {
    await database.db.execute(sql`alter table audit_log enable trigger audit_log_no_update_delete`);
  }
}

describe(`audit log (${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('chains records and verifies the whole chain', async () => {
    const verdict = await verifyAuditChain(database.db);
    expect(verdict).toMatchObject({ ok: true, records: 4 });
  });

  it('refuses UPDATE, DELETE and TRUNCATE in the database itself', async () => {
    // drizzle wraps the server's error; the database's own words are in `cause`.
    const refused = {
      cause: expect.objectContaining({ message: expect.stringMatching(/append-only/) }),
    };
    await expect(
      database.db.update(auditLog).set({ outcome: 'denied' }).where(eq(auditLog.seq, 2)),
    ).rejects.toMatchObject(refused);
    await expect(database.db.delete(auditLog).where(eq(auditLog.seq, 2))).rejects.toMatchObject(
      refused,
    );
    await expect(database.db.execute(sql`truncate audit_log`)).rejects.toMatchObject(refused);
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true, records: 4 });
  });

  it('catches a record altered behind the application’s back, at that record', async () => {
    await asSuperuser(sql`update audit_log set actor_id = 'tok_intrus' where seq = 2`);
    expect(await verifyAuditChain(database.db)).toEqual({
      ok: false,
      records: 1,
      brokenAt: 2,
      reason: 'hash_mismatch',
    });
    await asSuperuser(sql`update audit_log set actor_id = 'tok_test' where seq = 2`);
    expect((await verifyAuditChain(database.db)).ok).toBe(true);
  });

  it('catches a removed record', async () => {
    await asSuperuser(sql`delete from audit_log where seq = 3`);
    expect(await verifyAuditChain(database.db)).toMatchObject({
      ok: false,
      brokenAt: 3,
      reason: 'sequence_gap',
    });
  });
});
