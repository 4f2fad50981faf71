import type { AuditRecordResource, AuditVerification } from '@gov/contract';
import { html } from 'hono/html';
import { actionsFr, actorTypesFr, label, outcomesFr, targetTypesFr } from './labels-fr.ts';

/** Rows an export holds at most: past it, the file says so in its last line. */
export const AUDIT_EXPORT_ROWS = 10_000;

/** A field as a spreadsheet reads it: quoted, quotes doubled, no formula a cell could run. */
function cell(value: string | number | null | undefined): string {
  const text = value === null || value === undefined ? '' : String(value);
  // A leading =, +, - or @ makes a spreadsheet compute it (CSV injection).
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return `"${safe.replaceAll('"', '""')}"`;
}

/**
 * The audit records as CSV for a spreadsheet in French: `;` between fields,
 * a byte order mark so that accents survive, names beside ids.
 */
export function auditCsv(
  records: AuditRecordResource[],
  names: Map<string, string>,
  truncated: boolean,
): string {
  const header = [
    'N°',
    'Date (UTC)',
    'Type d’auteur',
    'Auteur',
    'Identifiant de l’auteur',
    'Action',
    'Code de l’action',
    'Cible',
    'Identifiant de la cible',
    'Ministère',
    'Résultat',
    'Adresse',
    'Empreinte',
  ];
  const lines = records.map((r) =>
    [
      r.seq,
      r.at,
      label(actorTypesFr, r.actorType),
      names.get(r.actorId) ?? '',
      r.actorId,
      label(actionsFr, r.action),
      r.action,
      `${label(targetTypesFr, r.targetType)} ${r.targetId ? (names.get(r.targetId) ?? '') : ''}`.trim(),
      r.targetId,
      r.ministryId ? (names.get(r.ministryId) ?? r.ministryId) : '',
      label(outcomesFr, r.outcome),
      r.sourceIp,
      r.hash,
    ]
      .map(cell)
      .join(';'),
  );
  const tail = truncated
    ? [
        cell(
          `Export limité aux ${AUDIT_EXPORT_ROWS} entrées les plus récentes : affinez le filtre.`,
        ),
      ]
    : [];
  return `\uFEFF${[header.map(cell).join(';'), ...lines, ...tail].join('\r\n')}\r\n`;
}

const breaksFr: Record<string, string> = {
  hash_mismatch: 'l’empreinte d’une entrée ne correspond plus à son contenu (entrée modifiée)',
  prev_hash_mismatch: 'une entrée ne suit plus la précédente (entrée insérée ou supprimée)',
  sequence_gap: 'des numéros manquent (entrées supprimées)',
  truncated:
    'le journal est plus court qu’un point de contrôle signé (entrées supprimées à la fin)',
  rewritten: 'une entrée n’a plus l’empreinte qu’un point de contrôle signé a enregistrée',
  bad_checkpoint: 'un point de contrôle signé est incohérent',
};

/** The server's check of the chain, in words: intact, or where it breaks and why. */
export function verificationBody(verdict: AuditVerification) {
  const scope =
    verdict.scope === 'full' ? 'depuis la première entrée' : 'depuis la dernière vérification';
  const checkpoint = verdict.checkpoint
    ? html`<p>Comparée au point de contrôle signé n° ${verdict.checkpoint.seq} du ${verdict.checkpoint.at.slice(0, 19).replace('T', ' ')} (UTC).</p>`
    : html`<p>Aucun point de contrôle signé n’existe encore.</p>`;
  const rejected =
    verdict.rejectedCheckpoints > 0
      ? html`<p class="error">${verdict.rejectedCheckpoints} déclaration(s) du fichier des points de contrôle ne sont pas signées valablement.</p>`
      : '';
  const result = verdict.ok
    ? html`<div role="status"><p><strong>Le journal est intègre</strong> : ${verdict.records} entrées vérifiées ${scope}.</p></div>`
    : html`<div class="error" role="alert"><p><strong>Le journal est rompu${
        verdict.brokenAt ? html` à l’entrée n° ${verdict.brokenAt}` : ''
      }</strong> : ${breaksFr[verdict.reason] ?? verdict.reason}.</p><p>${verdict.records} entrées sont intègres avant la rupture. Signalez-le à l’équipe de la plateforme : l’intégrité du journal d’audit n’est plus garantie.</p>${
        verdict.brokenAt
          ? html`<p><a href="/admin/audit?avant=${verdict.brokenAt + 1}">Voir les entrées autour de la rupture</a></p>`
          : ''
      }</div>`;
  return html`<h1>Intégrité du journal d’audit</h1>${result}${checkpoint}${rejected}
<p>Vérifié le ${verdict.checkedAt.slice(0, 19).replace('T', ' ')} (UTC)${
    verdict.lastFullAt
      ? html`; dernière vérification complète le ${verdict.lastFullAt.slice(0, 19).replace('T', ' ')}`
      : ''
  }.</p>
<p><a href="/admin/audit">Retour au journal</a></p>`;
}
