import type { AuditRecordResource } from '@gov/contract';
import { describe, expect, it } from 'vitest';
import { auditCsv, verificationBody } from './audit-export.ts';

const record = (changes: Partial<AuditRecordResource>): AuditRecordResource =>
  ({
    seq: 7,
    at: '2026-12-04T10:00:00.000Z',
    actorType: 'member',
    actorId: 'mem_awa',
    action: 'deployment.create',
    targetType: 'app',
    targetId: 'app_rdv',
    ministryId: 'min_sante',
    sourceIp: '127.0.0.1',
    tokenId: null,
    outcome: 'success',
    details: {},
    prevHash: 'a'.repeat(64),
    hash: 'b'.repeat(64),
    ...changes,
  }) as AuditRecordResource;

describe('the audit export', () => {
  it('is CSV a French spreadsheet opens as it is: BOM, semicolons, names beside ids', () => {
    const names = new Map([
      ['mem_awa', 'Awa Traoré'],
      ['app_rdv', 'rendez-vous'],
      ['min_sante', 'Ministère de la Santé'],
    ]);
    const csv = auditCsv([record({})], names, false);
    expect(csv.startsWith('\uFEFF"N°";"Date (UTC)"')).toBe(true);
    const [, row] = csv.slice(1).split('\r\n');
    expect(row).toContain('"Awa Traoré";"mem_awa";"Déploiement d’une version";"deployment.create"');
    expect(row).toContain('"application rendez-vous";"app_rdv";"Ministère de la Santé";"Réussi"');
  });

  it('never hands a spreadsheet a formula, and says when it was cut', () => {
    const csv = auditCsv(
      [record({ actorId: '=HYPERLINK("http://x")', sourceIp: '"; DROP' })],
      new Map(),
      true,
    );
    expect(csv).toContain(`"'=HYPERLINK(""http://x"")"`);
    expect(csv).toContain('"""; DROP"');
    expect(csv.trimEnd().split('\r\n').at(-1)).toMatch(/Export limité aux 10000 entrées/);
  });
});

describe('the chain check, in words', () => {
  it('says where the chain breaks and why, with a link to the records there', async () => {
    const body = String(
      await verificationBody({
        ok: false,
        records: 6,
        brokenAt: 7,
        reason: 'hash_mismatch',
        scope: 'full',
        checkpoint: null,
        rejectedCheckpoints: 0,
        checkedAt: '2026-12-04T10:00:00.000Z',
        lastFullAt: null,
      }),
    );
    expect(body).toContain('Le journal est rompu à l’entrée n° 7');
    expect(body).toContain('entrée modifiée');
    expect(body).toContain('href="/admin/audit?avant=8"');
  });
});
