import { createPublicKey } from 'node:crypto';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type AuditCheckpoint, checkpointSignatureValid } from '@gov/contract';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointFile } from '../../audit/checkpoint-file.ts';
import { AuditCheckpointer, signCheckpoint } from '../../audit/checkpoints.ts';
import { loadAuditSigningKey } from '../../audit/signing-key.ts';
import { ministries } from '../../db/schema/index.ts';
import { type ApiHarness, apiHarness } from '../../testing/api-harness.ts';
import { roleToken } from '../../testing/principals.ts';

let api: ApiHarness;
let dataDir: string;
let auditor: string;
let checkpointer: AuditCheckpointer;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'gov-api-checkpoints-'));
  api = await apiHarness({ dataDir });
  expect((await api.request('GET', '/v1/audit/public-key', { token: null })).status).toBe(404);
  const signingKey = await loadAuditSigningKey(dataDir, undefined);
  checkpointer = new AuditCheckpointer({ db: api.database.db, dataDir, signingKey, log: () => {} });
  for (const name of ['sante', 'justice', 'education']) {
    await api.request('POST', '/v1/ministries', { body: { name, displayName: name } });
    await checkpointer.checkpointNow();
  }
  const [sante] = await api.database.db
    .select()
    .from(ministries)
    .where(eq(ministries.name, 'sante'));
  auditor = await roleToken(api.database.db, sante?.id ?? '', 'auditor');
});
afterAll(async () => {
  await api.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('GET /v1/audit/public-key', () => {
  it('gives anyone, without credentials, the key checkpoints are signed with', async () => {
    const res = await api.request('GET', '/v1/audit/public-key', { token: null });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ algorithm: 'Ed25519', keyId: expect.any(String) });
    const { json: page } = await api.request('GET', '/v1/audit/checkpoints', { token: auditor });
    const key = createPublicKey(res.json.publicKeyPem);
    expect(page.checkpoints.every((c: AuditCheckpoint) => checkpointSignatureValid(c, key))).toBe(
      true,
    );
  });
});

describe('GET /v1/audit/checkpoints', () => {
  it('lists the signed heads newest first, in pages', async () => {
    const first = await api.request('GET', '/v1/audit/checkpoints?limit=2', { token: auditor });
    expect(first.status).toBe(200);
    expect(first.json.checkpoints.map((c: AuditCheckpoint) => c.seq)).toEqual([3, 2]);
    expect(first.json.next).toBe(1);
    const rest = await api.request('GET', `/v1/audit/checkpoints?before=${first.json.next}`, {
      token: auditor,
    });
    expect(rest.json).toMatchObject({ checkpoints: [{ seq: 1 }], next: null });
  });

  it('refuses a bad cursor', async () => {
    const res = await api.request('GET', '/v1/audit/checkpoints?before=-1');
    expect(res.status).toBe(400);
  });
});

describe('GET /v1/audit/verify', () => {
  it('answers with the newest checkpoint the chain was checked against', async () => {
    const res = await api.request('GET', '/v1/audit/verify', { token: auditor });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      ok: true,
      records: 3,
      checkpoint: { seq: 3 },
      rejectedCheckpoints: 0,
      scope: 'full',
    });
    // Right after, the same answer, without walking the chain again.
    expect((await api.request('GET', '/v1/audit/verify', { token: auditor })).json).toEqual(
      res.json,
    );
  });

  it('lets operators alone ask for a full walk, which sees the log cut after a checkpoint', async () => {
    const refused = await api.request('GET', '/v1/audit/verify?full=true', { token: auditor });
    expect(refused.status).toBe(403);
    const db = api.database.db;
    await db.execute(sql`alter table audit_log disable trigger audit_log_no_update_delete`);
    await db.execute(sql`delete from audit_log where seq > 1`);
    await db.execute(sql`alter table audit_log enable trigger audit_log_no_update_delete`);
    const res = await api.request('GET', '/v1/audit/verify?full=true');
    expect(res.json).toMatchObject({
      ok: false,
      records: 1,
      brokenAt: 2,
      reason: 'truncated',
      scope: 'full',
    });
  });

  it('reports a checkpoint file holding a forged statement', async () => {
    const other = await loadAuditSigningKey(
      await mkdtemp(path.join(tmpdir(), 'gov-forger-')),
      undefined,
    );
    await appendFile(
      checkpointFile(dataDir),
      `${JSON.stringify(signCheckpoint({ seq: 1, hash: 'a'.repeat(64) }, other))}\n`,
    );
    const res = await api.request('GET', '/v1/audit/verify?full=true');
    expect(res.json).toMatchObject({ ok: false, rejectedCheckpoints: 1 });
    const listed = await api.request('GET', '/v1/audit/checkpoints?limit=1');
    expect(listed.json.checkpoints[0]).toMatchObject({ seq: 1, keyId: other.keyId });
  });
});
