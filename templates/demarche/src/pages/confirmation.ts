import { html } from 'hono/html';
import { extractTypes, isChoice, pickupModes, type Values } from '../request.ts';
import type { RequestStatus, StoredRequest } from '../store.ts';

const statusLabels: Record<RequestStatus, string> = {
  recue: 'Reçue : elle sera traitée par le service de l’état civil',
  en_traitement: 'En cours de traitement',
  prete: 'Prête : vous pouvez la retirer',
  remise: 'Remise',
};

/** 2026-12-02T10:15:00Z → 02/12/2026, the way dates are read in Mali. */
function frenchDay(iso: string): string {
  const [year, month, day] = iso.slice(0, 10).split('-');
  return `${day}/${month}/${year}`;
}

function nextStep(values: Values) {
  return values.mode_retrait === 'envoi'
    ? html`<p>L'acte sera envoyé à l'adresse indiquée dans votre demande.</p>`
    : html`<p>Quand l'acte sera prêt, présentez-vous à la mairie avec ce numéro et une pièce d'identité.</p>`;
}

/**
 * The tracking page of a request (`/suivi/<numéro>`), also what a citizen
 * sees right after sending it. Anyone holding the number can open it, so it
 * shows where the request stands, never the personal data it carries (name,
 * birth, phone, address).
 */
export function trackingPage(request: StoredRequest, justSent: boolean) {
  const { values } = request;
  // Stored only after validation, so both are known choices.
  const type = isChoice(extractTypes, values.type_extrait) ? extractTypes[values.type_extrait] : '';
  const pickup = isChoice(pickupModes, values.mode_retrait) ? pickupModes[values.mode_retrait] : '';
  const copies = Number(values.nombre_copies);
  return html`<h1>${justSent ? 'Demande enregistrée' : 'Suivi de votre demande'}</h1>
<p>Votre numéro de suivi :</p>
<p class="number">${request.trackingNumber}</p>
${justSent ? html`<p>Notez ce numéro : il vous sera demandé pour suivre votre demande et pour retirer l'acte. Cette page reste à son adresse : vous pouvez y revenir.</p>` : ''}
<h2>Où en est-elle ?</h2>
<p><strong>${statusLabels[request.status]}</strong> (reçue le ${frenchDay(request.receivedAt)}).</p>
<ul>
<li>${type}, ${copies} ${copies > 1 ? 'copies' : 'copie'}</li>
<li>${pickup}</li>
</ul>
<h2>Et ensuite ?</h2>
${nextStep(values)}
<a href="/">Retour à l'accueil du service</a>`;
}

/** Where a citizen types a tracking number; `error` when the last one was not found. */
export function trackingForm(number: string, error?: string) {
  return html`<h1>Suivre une demande</h1>
${
  error
    ? html`<div class="summary" role="alert"><h2>Numéro introuvable</h2><p><a href="#numero">${error}</a></p></div>`
    : ''
}
<form method="get" action="/suivi">
<label for="numero">Numéro de suivi</label>
<span class="hint" id="numero-aide">Par exemple EC-2026-7K3M-Q9XD, tel qu'il vous a été donné</span>
${error ? html`<span class="error" id="numero-erreur">${error}</span>` : ''}
<input id="numero" name="numero" value="${number}" autocomplete="off" spellcheck="false" maxlength="40" aria-describedby="numero-aide${error ? ' numero-erreur' : ''}"${error ? html` aria-invalid="true"` : ''}>
<button type="submit">Voir la demande</button>
</form>`;
}
