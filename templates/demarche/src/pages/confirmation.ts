import { html } from 'hono/html';
import { extractTypes, isChoice, normalisePhone, pickupModes, type Values } from '../request.ts';

/** 1990-05-12 → 12/05/1990, the way dates are read in Mali. */
function frenchDate(isoDate: string): string {
  const [year, month, day] = isoDate.split('-');
  return `${day}/${month}/${year}`;
}

function nextStep(values: Values) {
  return values.mode_retrait === 'envoi'
    ? html`<p>L'acte sera envoyé à l'adresse : ${values.adresse}.</p>`
    : html`<p>Quand l'acte sera prêt, présentez-vous à la mairie avec ce numéro et une pièce d'identité.</p>`;
}

/** Shown once the request is valid: the tracking number first, then a summary. */
export function confirmationPage(trackingNumber: string, values: Values) {
  // Only called after validation, so both are known choices.
  const type = isChoice(extractTypes, values.type_extrait) ? extractTypes[values.type_extrait] : '';
  const pickup = isChoice(pickupModes, values.mode_retrait) ? pickupModes[values.mode_retrait] : '';
  const copies = Number(values.nombre_copies);
  return html`<h1>Demande enregistrée</h1>
<p>Votre numéro de suivi :</p>
<p class="number">${trackingNumber}</p>
<p>Notez ce numéro : il vous sera demandé pour suivre votre demande et pour retirer l'acte.</p>
<h2>Récapitulatif</h2>
<ul>
<li>${type}, ${copies} ${copies > 1 ? 'copies' : 'copie'}</li>
<li>Au nom de ${values.prenoms} ${values.nom}, né(e) le ${frenchDate(values.date_naissance)} à ${values.lieu_naissance}</li>
${values.numero_acte ? html`<li>Acte n° ${values.numero_acte}</li>` : ''}
<li>${pickup}</li>
<li>Nous vous préviendrons au ${normalisePhone(values.telephone) ?? values.telephone}${values.email ? html` et à ${values.email}` : ''}</li>
</ul>
<h2>Et ensuite ?</h2>
${nextStep(values)}
<a href="/">Retour à l'accueil du service</a>`;
}
