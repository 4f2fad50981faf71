import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, ministries } from '../db/schema/index.ts';
import { type ApiHarness, apiHarness } from '../testing/api-harness.ts';
import { roleToken } from '../testing/principals.ts';

let api: ApiHarness;
beforeAll(async () => {
  // Failures are not cut off here: this measures what reaches the audit log.
  api = await apiHarness({}, { authFailuresPerMinute: 100_000 });
  for (const name of ['sante', 'justice']) {
    await api.request('POST', '/v1/ministries', {
      body: { name, displayName: `Ministère ${name}` },
    });
  }
});
afterAll(() => api.close());

const rows = () => api.database.db.select().from(auditLog);

describe('refused attempts in the audit log', () => {
  it('are written once and counted, not one row per attempt', async () => {
    const before = (await rows()).length;
    for (let i = 0; i < 300; i++) {
      const res = await api.request('POST', '/v1/ministries/sante/apps', {
        token: null,
        body: { name: `essai-${i}` },
      });
      expect(res.status).toBe(401);
    }
    const during = (await rows()).slice(before);
    expect(during).toHaveLength(1);
    expect(during[0]).toMatchObject({
      action: 'app.create',
      outcome: 'denied',
      actorType: 'anonymous',
    });
    await api.refusals.flush(true);
    const after = (await rows()).slice(before);
    expect(after).toHaveLength(2);
    expect(after[1]?.details).toMatchObject({ repeated: 299, status: 401 });
  });

  it('name the probed ministry, so its auditors see a probe from another ministry', async () => {
    const db = api.database.db;
    const justice = (await db.select().from(ministries).where(eq(ministries.name, 'justice')))[0];
    const sante = (await db.select().from(ministries).where(eq(ministries.name, 'sante')))[0];
    const intruder = await roleToken(db, justice?.id ?? '', 'admin');
    const res = await api.request('POST', '/v1/ministries/sante/apps', {
      token: intruder,
      body: { name: 'sonde' },
    });
    expect(res.status).toBe(404);
    const [last] = (await rows()).slice(-1);
    expect(last).toMatchObject({ action: 'app.create', outcome: 'denied', ministryId: sante?.id });
    // And it is in sante's own audit, as its auditors read it.
    const seen = await api.request('GET', '/v1/ministries/sante/audit?outcome=denied');
    expect(seen.json.records.some((r: { actorId: string }) => r.actorId !== 'anonymous')).toBe(
      true,
    );
  });
});
