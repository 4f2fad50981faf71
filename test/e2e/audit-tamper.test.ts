import { readFile } from 'node:fs/promises';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runningPlatform } from '../../platform/src/testing/running-platform.ts';
import { gov } from '../support/gov-cli.ts';

/**
 * Someone with database powers rewrites history; `gov audit verify`, run by
 * an operator, recomputes the chain from the records and names the record.
 */
let env: Awaited<ReturnType<typeof runningPlatform>>;
let cliEnv: NodeJS.ProcessEnv;
beforeAll(async () => {
  env = await runningPlatform();
  const token = (await readFile(env.platform.bootstrapTokenFile, 'utf8')).trim();
  cliEnv = { ...process.env, GOV_API_URL: env.platform.apiUrl, GOV_TOKEN: token };
  for (const name of ['sante', 'justice', 'education']) {
    const res = await fetch(`${env.platform.apiUrl}/v1/ministries`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name, displayName: `Ministère ${name}` }),
    });
    expect(res.status).toBe(201);
  }
}, 60_000);
afterAll(() => env.close());

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
  });
});
