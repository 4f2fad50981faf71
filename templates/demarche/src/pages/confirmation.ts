import { html } from 'hono/html';
import { extractTypes, normalisePhone, pickupModes, type Values } from '../request.ts';

export function confirmationPage(trackingNumber: string, values: Values) {
  const type = extractTypes[values.type_extrait as keyof typeof extractTypes];
  const pickup = pickupModes[values.mode_retrait as keyof typeof pickupModes];
  return html`<h1>Demande enregistrée</h1>
<p>Votre numéro de suivi :</p>
<p class="number">${trackingNumber}</p>
<p>Conservez ce numéro : il vous sera demandé pour suivre ou retirer votre acte.</p>
<h2>Récapitulatif</h2>
<ul>
<li>${type}, ${values.nombre_copies} copie(s)</li>
<li>Au nom de ${values.prenoms} ${values.nom}, né(e) le ${values.date_naissance} à ${values.lieu_naissance}</li>
<li>${pickup}</li>
<li>Nous vous préviendrons au ${normalisePhone(values.telephone) ?? values.telephone}</li>
</ul>
<a href="/">Retour à l'accueil du service</a>`;
}
