import { html, raw } from 'hono/html';
import { type Errors, extractTypes, type Field, pickupModes, type Values } from '../request.ts';

const labels: Record<Field, string> = {
  nom: 'Nom',
  prenoms: 'Prénoms',
  date_naissance: 'Date de naissance',
  lieu_naissance: 'Commune de naissance',
  numero_acte: "Numéro de l'acte (facultatif)",
  type_extrait: "Type d'extrait",
  nombre_copies: 'Nombre de copies',
  telephone: 'Téléphone',
  email: 'Adresse e-mail (facultatif)',
  mode_retrait: 'Mode de retrait',
  consentement: 'Consentement',
};

/** Ties a field to its error message for screen readers. */
function errorAttrs(field: Field, errors: Errors) {
  return errors[field] ? html` aria-invalid="true" aria-describedby="${field}-erreur"` : '';
}

function errorText(field: Field, errors: Errors) {
  return errors[field]
    ? html`<span class="error" id="${field}-erreur">${errors[field]}</span>`
    : '';
}

function textField(field: Field, values: Values, errors: Errors, attrs: string, hint = '') {
  return html`<label for="${field}">${labels[field]}${hint ? html`<span class="hint">${hint}</span>` : ''}</label>
${errorText(field, errors)}
<input id="${field}" name="${field}" value="${values[field]}" maxlength="100"${raw(attrs)}${errorAttrs(field, errors)}>`;
}

function radios(field: Field, choices: Record<string, string>, values: Values, errors: Errors) {
  return html`<fieldset${errorAttrs(field, errors)}><legend>${labels[field]}</legend>${errorText(field, errors)}
${Object.entries(choices).map(
  ([value, text]) =>
    html`<label class="choice"><input type="radio" name="${field}" value="${value}"${values[field] === value ? ' checked' : ''}>${text}</label>`,
)}</fieldset>`;
}

function errorSummary(errors: Errors) {
  const entries = Object.entries(errors) as Array<[Field, string]>;
  if (entries.length === 0) return '';
  return html`<div class="summary" role="alert" tabindex="-1"><h2>La demande contient ${entries.length} erreur${entries.length > 1 ? 's' : ''}</h2>
<ul>${entries.map(([field, message]) => html`<li><a href="#${field}">${labels[field]} : ${message}</a></li>`)}</ul></div>`;
}

export function formPage(service: string, values: Values, errors: Errors) {
  return html`<h1>${service}</h1>
${errorSummary(errors)}
<form method="post" action="/demande" novalidate>
${textField('nom', values, errors, ' autocomplete="family-name" required')}
${textField('prenoms', values, errors, ' autocomplete="given-name" required')}
${textField('date_naissance', values, errors, ' type="date" autocomplete="bday" required', 'Jour, mois, année : par exemple 12/05/1990')}
${textField('lieu_naissance', values, errors, ' autocomplete="off" required')}
${textField('numero_acte', values, errors, ' inputmode="numeric"', 'Par exemple 1234/1990')}
${radios('type_extrait', extractTypes, values, errors)}
<label for="nombre_copies">${labels.nombre_copies}</label>
${errorText('nombre_copies', errors)}
<select id="nombre_copies" name="nombre_copies"${errorAttrs('nombre_copies', errors)}>
${['1', '2', '3', '4', '5'].map((n) => html`<option${values.nombre_copies === n ? ' selected' : ''}>${n}</option>`)}
</select>
${textField('telephone', values, errors, ' type="tel" autocomplete="tel" required', 'Numéro malien, par exemple +223 76 12 34 56')}
${textField('email', values, errors, ' type="email" autocomplete="email"')}
${radios('mode_retrait', pickupModes, values, errors)}
<label class="choice" for="consentement"><input type="checkbox" id="consentement" name="consentement"${values.consentement === 'on' ? ' checked' : ''}${errorAttrs('consentement', errors)}>J'accepte que ces informations soient utilisées pour traiter ma demande.</label>
${errorText('consentement', errors)}
<button class="button" type="submit">Envoyer la demande</button>
</form>`;
}
