import { humanText, slugSchema } from '@gov/contract';
import { html } from 'hono/html';
import { z } from 'zod';

/** The form's fields, checked with the API's own rules, in French words. */
const ministryForm = z.object({
  name: slugSchema,
  displayName: humanText(2, 200),
});

const messagesFr: Record<string, string> = {
  name: 'Le nom court s’écrit avec 2 à 40 lettres minuscules, chiffres et tirets, en commençant par une lettre (comme etat-civil).',
  displayName: 'Le nom complet compte de 2 à 200 caractères (comme Ministère de la Santé).',
};

export interface MinistryFormValues {
  name: string;
  displayName: string;
}

/** What the form sent: the ministry to create, or each field's problem. */
export function readMinistryForm(
  form: Record<string, unknown>,
): { ministry: MinistryFormValues } | { problems: Array<{ field: string; message: string }> } {
  const values = {
    name: typeof form.name === 'string' ? form.name.trim() : '',
    displayName: typeof form.displayName === 'string' ? form.displayName.trim() : '',
  };
  const parsed = ministryForm.safeParse(values);
  if (parsed.success) return { ministry: parsed.data };
  const fields = [...new Set(parsed.error.issues.map((i) => String(i.path[0] ?? 'name')))];
  return { problems: fields.map((field) => ({ field, message: messagesFr[field] ?? field })) };
}

/** The form, with an error summary linked to its fields when a first try was refused. */
export function ministryFormBody(
  csrfToken: string,
  values: Partial<MinistryFormValues>,
  problems: Array<{ field: string; message: string }>,
) {
  const field = (name: keyof MinistryFormValues, label: string, hint: string) => {
    const problem = problems.find((p) => p.field === name);
    return html`<p class="field${problem ? ' invalid' : ''}"><label for="f-${name}">${label}</label><span class="hint" id="f-${name}-hint">${hint}</span>${
      problem ? html`<span class="field-error" id="f-${name}-error">${problem.message}</span>` : ''
    }<input id="f-${name}" name="${name}" value="${values[name] ?? ''}" aria-describedby="f-${name}-hint${problem ? ` f-${name}-error` : ''}"${
      problem ? html` aria-invalid="true"` : ''
    } required></p>`;
  };
  return html`<h1>Créer un ministère</h1>
${
  problems.length
    ? html`<div class="error" role="alert"><h2>Le ministère n’a pas été créé</h2><ul>${problems.map(
        (p) => html`<li><a href="#f-${p.field}">${p.message}</a></li>`,
      )}</ul></div>`
    : ''
}
<form method="post" action="/admin/ministeres">
<input type="hidden" name="csrf" value="${csrfToken}">
${field('name', 'Nom court', 'il forme l’adresse des services : <app>.<nom court>.<domaine>; il ne change plus ensuite')}
${field('displayName', 'Nom complet', 'comme Ministère de la Santé')}
<p>Le ministère reçoit le quota par défaut, modifiable ensuite.</p>
<p><button class="button" type="submit">Créer le ministère</button> <a href="/admin">Annuler</a></p>
</form>`;
}
