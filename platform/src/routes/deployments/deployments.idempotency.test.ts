import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, deployments } from '../../db/schema/index.ts';
import { type ApiHarness, apiHarness, bundleOf } from '../../testing/api-harness.ts';

/**
 * A deploy whose answer is lost must be safe to send again: the audit record
 * is written in the same transaction as the version, and an Idempotency-Key
 * makes the retry find the version instead of creating another.
 */
let api: ApiHarness;
const base = '/v1/ministries/sante/apps/vaccins';
beforeAll(async () => {
  api = await apiHarness();
  await api.request('POST', '/v1/ministries', { body: { name: 'sante', displayName: 'Santé' } });
  await api.request('POST', '/v1/ministries/sante/apps', { body: { name: 'vaccins' } });
});
afterAll(() => api.close());

const bundle = (n: number) =>
  bundleOf(`export default { fetch() { return new Response('v${n}'); } };`);
const count = async () => api.database.db.$count(deployments);

describe('deploying with an Idempotency-Key', () => {
  it('returns the version the first attempt created, however many times it is retried', async () => {
    const key = 'deploy-4b1f0c3e-aaaa';
    const first = await api.request('POST', `${base}/deployments`, {
      body: bundle(1),
      headers: { 'idempotency-key': key },
    });
    expect(first.status).toBe(202);
    const before = await count();
    const again = await Promise.all(
      [1, 2, 3].map(() =>
        api.request('POST', `${base}/deployments`, {
          body: bundle(1),
          headers: { 'idempotency-key': key },
        }),
      ),
    );
    for (const res of again) {
      expect(res.status).toBe(202);
      expect(res.json).toMatchObject({ id: first.json.id, version: first.json.version });
    }
    expect(await count()).toBe(before);
  });

  it('refuses the same key with another bundle, naming the version it made', async () => {
    const key = 'deploy-same-key-other-code';
    await api.request('POST', `${base}/deployments`, {
      body: bundle(2),
      headers: { 'idempotency-key': key },
    });
    const before = await count();
    const res = await api.request('POST', `${base}/deployments`, {
      body: bundle(3),
      headers: { 'idempotency-key': key },
    });
    expect(res.status).toBe(409);
    expect(res.json.error.message).toMatch(/already used for another bundle \(version \d+\)/);
    expect(await count()).toBe(before);
  });

  it('refuses a malformed key before anything is stored', async () => {
    const before = await count();
    const res = await api.request('POST', `${base}/deployments`, {
      body: bundle(4),
      headers: { 'idempotency-key': 'bad key with spaces' },
    });
    expect(res.status).toBe(400);
    expect(await count()).toBe(before);
  });
});

describe('the audit record and the change are one transaction', () => {
  it('creates no version when the audit record cannot be written, and the retry makes exactly one', async () => {
    const db = api.database.db;
    // The audit write fails, as a full disk or a revoked grant would make it.
    await db.execute(sql`create function gov_test_refuse_audit() returns trigger language plpgsql as $$
      begin
        if new.action = 'deployment.create' and new.outcome = 'success' then
          raise exception 'audit storage unavailable';
        end if;
        return new;
      end $$`);
    await db.execute(
      sql`create trigger gov_test_refuse_audit before insert on audit_log for each row execute function gov_test_refuse_audit()`,
    );
    const key = 'deploy-audit-outage-0001';
    const before = await count();
    const failed = await api.request('POST', `${base}/deployments`, {
      body: bundle(5),
      headers: { 'idempotency-key': key },
    });
    expect(failed.status).toBe(500);
    expect(await count()).toBe(before);

    await db.execute(sql`drop trigger gov_test_refuse_audit on audit_log`);
    await db.execute(sql`drop function gov_test_refuse_audit()`);
    const retried = await api.request('POST', `${base}/deployments`, {
      body: bundle(5),
      headers: { 'idempotency-key': key },
    });
    expect(retried.status).toBe(202);
    expect(await count()).toBe(before + 1);
    const [record] = await db
      .select()
      .from(auditLog)
      .where(sql`${auditLog.targetId} = ${retried.json.id} and ${auditLog.outcome} = 'success'`);
    expect(record?.action).toBe('deployment.create');
  });
});
