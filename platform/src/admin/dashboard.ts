import { asc, inArray } from 'drizzle-orm';
import { html } from 'hono/html';
import type { Principal } from '../auth/principal.ts';
import type { Database } from '../db/database.ts';
import { ministries } from '../db/schema/index.ts';
import { appsInUse, quotaFor } from '../quotas/quota.ts';
import { usageByApp } from '../usage/query.ts';

const roleNames = {
  admin: 'administrateur',
  developer: 'développeur',
  auditor: 'auditeur',
} as const;

/** What the signed-in person may see: ministries with quota and last day's traffic. */
export async function dashboardBody(db: Database, principal: Principal, created?: string) {
  const ids = [...principal.roles.keys()];
  const query = db.select().from(ministries).orderBy(asc(ministries.name));
  const visible = principal.operator
    ? await query
    : ids.length
      ? await query.where(inArray(ministries.id, ids))
      : [];
  const rows = [];
  const since = new Date(Date.now() - 24 * 60 * 60_000);
  for (const m of visible) {
    const quota = await quotaFor(db, m.id);
    const usage = await usageByApp(db, m.id, since, new Date());
    const requests = usage.reduce((n, u) => n + u.requests, 0);
    const rejected = usage.reduce((n, u) => n + u.rejected, 0);
    const role = principal.roles.get(m.id);
    rows.push(html`<tr><td data-label="Ministère">${m.displayName} <small>(${m.name})</small></td>
<td data-label="Votre rôle">${principal.operator ? 'opérateur' : role ? roleNames[role] : ''}</td>
<td data-label="Applications / quota">${await appsInUse(db, m.id)} / ${quota.maxApps}</td>
<td data-label="Requêtes (24 h)">${requests}</td>
<td data-label="Refusées par le quota (24 h)">${rejected}</td>
<td data-label="Requêtes / min / app (quota)">${quota.maxRequestsPerMinutePerApp}</td>
<td data-label="Journal"><a href="/admin/audit?ministere=${m.name}">Journal<span class="visually-hidden"> de ${m.displayName}</span></a></td></tr>`);
  }
  return html`<h1>Tableau de bord</h1>
${created ? html`<div role="status" class="notice"><p>Le ministère « ${created} » a été créé avec le quota par défaut.</p></div>` : ''}
${principal.operator ? html`<p>Vous êtes <strong>opérateur de la plateforme</strong> : vous voyez tous les ministères. <a href="/admin/audit">Journal d'audit complet</a> · <a href="/admin/ministeres/nouveau">Créer un ministère</a></p>` : ''}
${
  rows.length === 0
    ? html`<p>Vous n'avez encore de rôle dans aucun ministère. Demandez à un administrateur de votre ministère de vous en attribuer un.</p>`
    : html`<table class="stack"><caption>Ministères</caption>
<thead><tr><th scope="col">Ministère</th><th scope="col">Votre rôle</th><th scope="col">Applications / quota</th><th scope="col">Requêtes (24 h)</th><th scope="col">Refusées par le quota (24 h)</th><th scope="col">Requêtes / min / app (quota)</th><th scope="col">Journal d’audit</th></tr></thead>
<tbody>${rows}</tbody></table>`
}`;
}
