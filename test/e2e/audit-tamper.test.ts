import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointFile } from '../../platform/src/audit/checkpoint-file.ts';
import { signCheckpoint } from '../../platform/src/audit/checkpoints.ts';
import { loadAuditSigningKey } from '../../platform/src/audit/signing-key.ts';
import { auditLog } from '../../platform/src/db/schema/index.ts';
import { runningPlatform } from '../../platform/src/testing/running-platform.ts';
import { gov } from '../support/gov-cli.ts';

/**
 * Someone with database powers rewrites history; `gov audit verify`, run by
 * an operator, recomputes the chain from the records and names the record.
 */
let env: Awaited<ReturnType<typeof runningPlatform>>;
let cliEnv: NodeJS.ProcessEnv;
let token: string;
/** Where the CLI keeps the heads it saw: never the developer's own config. */
let configHome: string;
beforeAll(async () => {
  env = await runningPlatform();
  configHome = await mkdtemp(path.join(tmpdir(), 'gov-cli-config-'));
  token = (await readFile(env.platform.bootstrapTokenFile, 'utf8')).trim();
  cliEnv = {
    ...process.env,
    GOV_API_URL: env.platform.apiUrl,
    GOV_TOKEN: token,
    XDG_CONFIG_HOME: configHome,
  };
  for (const name of ['sante', 'justice', 'education']) {
    const res = await fetch(`${env.platform.apiUrl}/v1/ministries`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name, displayName: `Ministère ${name}` }),
    });
    expect(res.status).toBe(201);
  }
}, 60_000);
afterAll(async () => {
  await env.close();
  await rm(configHome, { recursive: true, force: true });
});

/** What only the table owner can do: switch the guard trigger off. */
async function asTableOwner(statement: ReturnType<typeof sql>) {
  const db = env.platform.database.db;
  await db.execute(sql`alter table audit_log disable trigger audit_log_no_update_delete`);
  try {
    await db.execute(statement);
  } finally {
    await db.execute(sql`alter table audit_log enable trigger audit_log_no_update_delete`);
  }
}

describe('gov audit verify', () => {
  it('reports an intact chain', async () => {
    const res = await gov(['audit', 'verify', '--json'], cliEnv);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({
      ok: true,
      records: 3,
      where: 'recomputed locally',
    });
  });

  it('names the first broken record after a direct edit in the database, and exits 1', async () => {
    const db = env.platform.database.db;
    // The application cannot do this: it takes switching the guard trigger off.
    await db.execute(sql`alter table audit_log disable trigger audit_log_no_update_delete`);
    await db.execute(sql`update audit_log set outcome = 'denied' where seq = 2`);
    await db.execute(sql`alter table audit_log enable trigger audit_log_no_update_delete`);
    const res = await gov(['audit', 'verify'], cliEnv);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain(
      'the audit log is broken at record 2 (hash_mismatch); 1 records before it are intact',
    );
    expect(res.stderr).toContain('security incident');
    await asTableOwner(sql`update audit_log set outcome = 'success' where seq = 2`);
  });

  it('fails when the log no longer reaches the head it saw last time', async () => {
    // Its last checkpoint (of record 3) now; no timer signs record 4 behind the test's back.
    await env.platform.auditCheckpointer.stop();
    const created = await fetch(`${env.platform.apiUrl}/v1/ministries`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'agriculture', displayName: 'Agriculture' }),
    });
    expect(created.status).toBe(201);
    const seen = await gov(['audit', 'verify'], cliEnv);
    expect(seen.code, seen.stderr).toBe(0);
    expect(seen.stdout).toContain('audit log intact: 4 records');
    expect(seen.stdout).toMatch(/newest signed checkpoint: record 3 at /);

    const db = env.platform.database.db;
    const [last] = await db.select().from(auditLog).where(eq(auditLog.seq, 4));
    await asTableOwner(sql`delete from audit_log where seq = 4`);
    const res = await gov(['audit', 'verify'], cliEnv);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(
      'the audit log was truncated after record 3: you saw it reach record 4 on ',
    );
    if (last) await db.insert(auditLog).values(last);
    expect((await gov(['audit', 'verify'], cliEnv)).code).toBe(0);
  });

  it('gives an auditor the server’s verdict and the newest signed checkpoint', async () => {
    const created = await fetch(`${env.platform.apiUrl}/v1/ministries/sante/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ label: 'audit', role: 'auditor', expiresInDays: 1 }),
    });
    expect(created.status).toBe(201);
    const auditor = { ...cliEnv, GOV_TOKEN: ((await created.json()) as { token: string }).token };
    const res = await gov(['audit', 'verify', '--json'], auditor);
    expect(res.code, res.stderr).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({
      ok: true,
      where: expect.stringContaining('checked by the server'),
      checkpoint: { seq: 3 },
    });
  });

  it('reports a published checkpoint whose signature does not hold', async () => {
    const dataDir = env.platform.config.dataDir;
    const forger = await loadAuditSigningKey(
      await mkdtemp(path.join(tmpdir(), 'gov-forger-')),
      undefined,
    );
    const forged = signCheckpoint({ seq: 4, hash: 'b'.repeat(64) }, forger);
    await appendFile(checkpointFile(dataDir), `${JSON.stringify(forged)}\n`);
    const res = await gov(['audit', 'verify'], cliEnv);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('do not carry a valid signature');
    expect(res.stderr).toContain('record 4');
  });
});
