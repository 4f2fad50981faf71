import { html } from 'hono/html';
import {
  type Errors,
  extractTypes,
  type Field,
  MAX_LENGTH,
  pickupModes,
  type Values,
} from '../request.ts';
import type { Html } from './layout.ts';

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
  adresse: "Adresse d'envoi",
  consentement: 'Consentement',
};

const hints: Partial<Record<Field, string>> = {
  date_naissance: 'Jour, mois, année : par exemple 12/05/1990',
  lieu_naissance: 'Par exemple Bamako Commune III, Ségou ou Kati',
  numero_acte: 'Il figure sur un ancien extrait, par exemple 1234/1990',
  telephone: 'Numéro malien, par exemple +223 76 12 34 56',
  adresse: 'Seulement pour un envoi postal : rue, porte, quartier, ville ou boîte postale',
};

/** Ties a field to its hint and error so screen readers read them with it. */
function described(field: Field, errors: Errors): Html | string {
  const ids = [hints[field] && `${field}-aide`, errors[field] && `${field}-erreur`].filter(Boolean);
  const invalid = errors[field] ? html` aria-invalid="true"` : '';
  return ids.length > 0 ? html`${invalid} aria-describedby="${ids.join(' ')}"` : invalid;
}

function hintAndError(field: Field, errors: Errors): Html {
  return html`${hints[field] ? html`<span class="hint" id="${field}-aide">${hints[field]}</span>` : ''}${
    errors[field] ? html`<span class="error" id="${field}-erreur">${errors[field]}</span>` : ''
  }`;
}

function textField(field: Field, values: Values, errors: Errors, attrs: Html): Html {
  return html`<label for="${field}">${labels[field]}</label>${hintAndError(field, errors)}
<input id="${field}" name="${field}" value="${values[field]}" maxlength="${MAX_LENGTH}"${attrs}${described(field, errors)}>`;
}

/** Radio buttons; the first one carries the id the error summary links to. */
function radios(field: Field, choices: Record<string, string>, values: Values, errors: Errors) {
  return html`<fieldset${described(field, errors)}><legend>${labels[field]}</legend>${hintAndError(field, errors)}
${Object.entries(choices).map(
  ([value, text], index) =>
    html`<label class="choice"><input type="radio"${index === 0 ? html` id="${field}"` : ''} name="${field}" value="${value}"${values[field] === value ? ' checked' : ''}>${text}</label>`,
)}</fieldset>`;
}

function copiesSelect(values: Values, errors: Errors) {
  return html`<label for="nombre_copies">${labels.nombre_copies}</label>${hintAndError('nombre_copies', errors)}
<select id="nombre_copies" name="nombre_copies"${described('nombre_copies', errors)}>
${['1', '2', '3', '4', '5'].map((n) => html`<option${values.nombre_copies === n ? ' selected' : ''}>${n}</option>`)}
</select>`;
}

function consentCheckbox(values: Values, errors: Errors) {
  return html`${hintAndError('consentement', errors)}
<label class="choice" for="consentement"><input type="checkbox" id="consentement" name="consentement"${values.consentement === 'on' ? ' checked' : ''}${described('consentement', errors)}>J'accepte que ces informations soient utilisées par l'état civil pour traiter ma demande.</label>`;
}

/** Every error at the top, each linking to its field: the first thing a screen reader hears. */
function errorSummary(errors: Errors) {
  const entries = Object.entries(errors) as Array<[Field, string]>;
  if (entries.length === 0) return '';
  return html`<div class="summary" role="alert"><h2>Votre demande contient ${entries.length} erreur${entries.length > 1 ? 's' : ''}</h2>
<ul>${entries.map(([field, message]) => html`<li><a href="#${field}">${labels[field]} : ${message}</a></li>`)}</ul></div>`;
}

/** The request form, filled with `values` and annotated with `errors` when re-shown. */
export function formPage(
  service: string,
  values: Values,
  errors: Errors,
  today: Date = new Date(),
) {
  const maxDate = today.toISOString().slice(0, 10);
  return html`<h1>${service}</h1>
${errorSummary(errors)}
<p>Tous les champs sont obligatoires, sauf ceux marqués « facultatif ».</p>
<form method="post" action="/demande" novalidate>
${textField('nom', values, errors, html` autocomplete="family-name" spellcheck="false" required`)}
${textField('prenoms', values, errors, html` autocomplete="given-name" spellcheck="false" required`)}
${textField('date_naissance', values, errors, html` type="date" min="1900-01-01" max="${maxDate}" autocomplete="bday" required`)}
${textField('lieu_naissance', values, errors, html` autocomplete="off" required`)}
${textField('numero_acte', values, errors, html` autocomplete="off"`)}
${radios('type_extrait', extractTypes, values, errors)}
${copiesSelect(values, errors)}
${textField('telephone', values, errors, html` type="tel" autocomplete="tel" required`)}
${textField('email', values, errors, html` type="email" autocomplete="email" spellcheck="false"`)}
${radios('mode_retrait', pickupModes, values, errors)}
${textField('adresse', values, errors, html` autocomplete="street-address"`)}
${consentCheckbox(values, errors)}
<button class="button" type="submit">Envoyer la demande</button>
</form>`;
}
