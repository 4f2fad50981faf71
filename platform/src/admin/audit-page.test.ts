import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, apiHarness } from '../testing/api-harness.ts';
import { AUDIT_PAGE_SIZE, auditPage, readAuditFilters } from './audit-page.ts';

describe('the admin panel’s audit log', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await apiHarness();
    // More records than one page holds: one ministry created each.
    for (let i = 0; i < AUDIT_PAGE_SIZE + 5; i++) {
      const res = await h.request('POST', '/v1/ministries', {
        body: { name: `ministere-${i}`, displayName: `Ministère ${i}` },
      });
      expect(res.status).toBe(201);
    }
  }, 60_000);
  afterAll(() => h?.close());

  it('shows the newest records first, and pages back to the oldest', async () => {
    const first = await auditPage(h.database.db, {});
    expect(first.records).toHaveLength(AUDIT_PAGE_SIZE);
    const seqs = first.records.map((r) => r.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    expect(first.older).toBe(seqs.at(-1));
    const second = await auditPage(h.database.db, { avant: first.older ?? 0 });
    expect(second.records.length).toBeGreaterThanOrEqual(5);
    expect(Math.max(...second.records.map((r) => r.seq))).toBeLessThan(Math.min(...seqs));
    expect(second.older).toBeNull();
    // Names, not ids: the ministry a record is about.
    expect(first.records[0]).toMatchObject({ action: 'ministry.create', targetType: 'ministry' });
    expect(first.names.get(first.records[0]?.targetId ?? '')).toBe(
      `Ministère ${AUDIT_PAGE_SIZE + 4}`,
    );
  });

  it('filters by action and date, and says in French what is wrong with a filter', async () => {
    const created = await auditPage(h.database.db, { action: 'ministry.create' });
    expect(created.records.every((r) => r.action === 'ministry.create')).toBe(true);
    const none = await auditPage(h.database.db, { du: '2000-01-01', au: '2000-01-02' });
    expect(none.records).toEqual([]);
    expect(readAuditFilters({ du: '2026-02-30' })).toEqual({
      problems: [{ field: 'du', message: 'une date qui existe' }],
    });
    expect(readAuditFilters({ action: 'supprimer tout' })).toMatchObject({
      problems: [{ field: 'action' }],
    });
    // An empty field of the form is no filter.
    expect(readAuditFilters({ ministere: '', auteur: '' })).toEqual({ filters: {} });
  });
});
