import { html } from 'hono/html';

export function landingPage(service: string) {
  return html`<h1>${service}</h1>
<p>Demandez en ligne un extrait ou une copie intégrale de votre acte de naissance.
Vous recevez un numéro de suivi ; l'acte est à retirer à la mairie ou envoyé par la poste.</p>
<h2>Ce qu'il vous faut</h2>
<ul>
<li>vos nom, prénoms, date et commune de naissance ;</li>
<li>le numéro de l'acte, si vous le connaissez (il figure sur un ancien extrait) ;</li>
<li>un numéro de téléphone malien pour être prévenu.</li>
</ul>
<p>La démarche prend environ 5 minutes. Elle est gratuite.</p>
<a class="button" href="/demande">Commencer la demande</a>`;
}
