import type { AuditRecordResource } from '@gov/contract';
import { inArray } from 'drizzle-orm';
import { html } from 'hono/html';
import { z } from 'zod';
import { queryAuditNewest } from '../audit/query.ts';
import type { Database } from '../db/database.ts';
import { apps, members, ministries } from '../db/schema/index.ts';
import { actionsFr, actorTypesFr, label, outcomesFr, targetTypesFr } from './labels-fr.ts';

/** Records a page shows: enough to scan, few enough for a phone on a slow network. */
export const AUDIT_PAGE_SIZE = 50;

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'une date comme 2026-12-04')
  .refine((v) => {
    // 2026-02-30 parses, as 2 March: a day that exists reads back the same.
    const date = new Date(`${v}T00:00:00Z`);
    return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === v;
  }, 'une date qui existe');

/** The page's filters, as its form sends them (GET, so they can be bookmarked and shared). */
const filtersSchema = z.object({
  ministere: z
    .string()
    .regex(/^[a-z0-9-]{1,63}$/, 'le nom court d’un ministère, comme sante')
    .optional(),
  auteur: z.string().max(64, 'au plus 64 caractères').optional(),
  action: z
    .string()
    .regex(/^[a-z_]+\.[a-z_]+$/, 'une action comme deployment.create')
    .optional(),
  resultat: z.enum(['success', 'denied', 'failure'], 'réussi, refusé ou échec').optional(),
  du: day.optional(),
  au: day.optional(),
  avant: z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
});
export type AuditFilters = z.infer<typeof filtersSchema>;

/** What the form sent, checked: the filters, or each field's problem in French. */
export function readAuditFilters(
  query: Record<string, string>,
): { filters: AuditFilters } | { problems: Array<{ field: string; message: string }> } {
  // An empty field of a GET form is no filter.
  const given = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== ''));
  const parsed = filtersSchema.safeParse(given);
  if (parsed.success) {
    const { du, au } = parsed.data;
    if (du && au && du > au) {
      return { problems: [{ field: 'au', message: 'la date de fin précède la date de début' }] };
    }
    return { filters: parsed.data };
  }
  return {
    problems: parsed.error.issues.map((i) => ({
      field: String(i.path[0] ?? 'ministere'),
      message: i.message,
    })),
  };
}

/** The newest records matching the filters, with names for the ids they carry. */
export async function auditPage(
  db: Database,
  filters: AuditFilters,
  ministryId?: string,
  limit = AUDIT_PAGE_SIZE,
) {
  const { records, older } = await queryAuditNewest(
    db,
    {
      limit,
      ...(filters.avant ? { before: filters.avant } : {}),
      ...(filters.auteur ? { actor: filters.auteur } : {}),
      ...(filters.action ? { action: filters.action } : {}),
      ...(filters.resultat ? { outcome: filters.resultat } : {}),
      ...(filters.du ? { from: `${filters.du}T00:00:00.000Z` } : {}),
      ...(filters.au ? { to: `${filters.au}T23:59:59.999Z` } : {}),
    },
    ministryId,
  );
  return { records, older, names: await namesOf(db, records) };
}

/** Display names of the members, ministries and apps the records name. */
async function namesOf(db: Database, records: AuditRecordResource[]) {
  const ids = (pick: (r: AuditRecordResource) => string | null | undefined) => [
    ...new Set(records.map(pick).filter((v): v is string => !!v)),
  ];
  const memberIds = ids((r) => (r.actorType === 'member' ? r.actorId : null));
  const ministryIds = [
    ...new Set([
      ...ids((r) => r.ministryId),
      ...ids((r) => (r.targetType === 'ministry' ? r.targetId : null)),
    ]),
  ];
  const appIds = ids((r) => (r.targetType === 'app' ? r.targetId : null));
  const names = new Map<string, string>();
  if (memberIds.length) {
    for (const m of await db.select().from(members).where(inArray(members.id, memberIds))) {
      names.set(m.id, m.displayName ?? m.email ?? m.id);
    }
  }
  if (ministryIds.length) {
    for (const m of await db.select().from(ministries).where(inArray(ministries.id, ministryIds))) {
      names.set(m.id, m.displayName);
    }
  }
  if (appIds.length) {
    for (const a of await db.select().from(apps).where(inArray(apps.id, appIds))) {
      names.set(a.id, a.name);
    }
  }
  return names;
}

const query = (filters: AuditFilters, change: Partial<AuditFilters>) => {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...filters, ...change })) {
    if (v !== undefined && v !== '') params.set(k, String(v));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
};

/** The page: a filter form that works without script, the records newest first, and paging. */
export function auditBody(
  page: Awaited<ReturnType<typeof auditPage>> | undefined,
  filters: AuditFilters,
  problems: Array<{ field: string; message: string }>,
  fixedMinistry: string | undefined,
) {
  const field = (name: keyof AuditFilters, text: string, type = 'text', hint = '') => {
    const problem = problems.find((p) => p.field === name);
    return html`<p class="field${problem ? ' invalid' : ''}"><label for="f-${name}">${text}</label>${
      hint ? html`<span class="hint" id="f-${name}-hint">${hint}</span>` : ''
    }${problem ? html`<span class="field-error" id="f-${name}-error">${problem.message}</span>` : ''}
<input id="f-${name}" name="${name}" type="${type}" value="${filters[name] ?? ''}"${
      problem ? html` aria-invalid="true" aria-describedby="f-${name}-error"` : ''
    }></p>`;
  };
  const summary = problems.length
    ? html`<div class="error" role="alert" tabindex="-1" id="erreurs"><h2>Le filtre n’a pas pu être appliqué</h2><ul>${problems.map(
        (p) => html`<li><a href="#f-${p.field}">${p.message}</a></li>`,
      )}</ul></div>`
    : '';
  const form = html`<form method="get" action="/admin/audit" class="filters"><fieldset><legend>Filtrer</legend>
${fixedMinistry ? html`<input type="hidden" name="ministere" value="${fixedMinistry}">` : field('ministere', 'Ministère', 'text', 'nom court, comme sante')}
${field('auteur', 'Auteur (identifiant)')}
${field('action', 'Action', 'text', 'comme deployment.create')}
${field('du', 'Du', 'date')}
${field('au', 'Au', 'date')}
<p><button class="button" type="submit">Filtrer</button> <a href="/admin/audit${fixedMinistry ? `?ministere=${fixedMinistry}` : ''}">Effacer les filtres</a></p>
</fieldset></form>`;
  if (!page) return html`${summary}${form}`;
  const tools = html`<p><a href="/admin/audit.csv${query(filters, { avant: undefined })}">Exporter ces entrées (CSV)</a> · <a href="/admin/audit/verification">Vérifier l’intégrité du journal</a></p>`;
  const name = (id: string | null | undefined) => (id ? (page.names.get(id) ?? id) : '');
  const rows = page.records.map(
    (r) => html`<tr>
<td data-label="N°">${r.seq}</td>
<td data-label="Date (UTC)">${r.at.slice(0, 19).replace('T', ' ')}</td>
<td data-label="Auteur">${name(r.actorId)} <small>(${label(actorTypesFr, r.actorType)})</small></td>
<td data-label="Action">${label(actionsFr, r.action)}</td>
<td data-label="Cible">${label(targetTypesFr, r.targetType)} ${name(r.targetId)}</td>
<td data-label="Ministère">${name(r.ministryId)}</td>
<td data-label="Résultat">${label(outcomesFr, r.outcome)}</td>
<td data-label="Adresse">${r.sourceIp ?? ''}</td></tr>`,
  );
  const paging = html`<nav aria-label="Pages du journal"><p>${
    filters.avant
      ? html`<a href="/admin/audit${query(filters, { avant: undefined })}">Les plus récentes</a> `
      : ''
  }${
    page.older !== null
      ? html`<a href="/admin/audit${query(filters, { avant: page.older })}">Entrées plus anciennes</a>`
      : ''
  }</p></nav>`;
  return html`${summary}${form}${tools}
${
  page.records.length === 0
    ? html`<p>Aucune entrée ne correspond à ce filtre.</p>`
    : html`<table class="stack"><caption>Entrées du journal, les plus récentes d’abord</caption>
<thead><tr><th scope="col">N°</th><th scope="col">Date (UTC)</th><th scope="col">Auteur</th><th scope="col">Action</th><th scope="col">Cible</th><th scope="col">Ministère</th><th scope="col">Résultat</th><th scope="col">Adresse</th></tr></thead>
<tbody>${rows}</tbody></table>`
}
${paging}`;
}
