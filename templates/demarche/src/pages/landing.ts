import { html } from 'hono/html';

/** What the procedure is, what to have at hand, and the way in. */
export function landingPage(service: string) {
  return html`<h1>${service}</h1>
<p>Demandez en ligne une copie intégrale ou un extrait de votre acte de naissance,
sans vous déplacer pour déposer la demande.</p>
<h2>Ce qu'il vous faut</h2>
<ul>
<li>vos nom, prénoms, date et commune de naissance ;</li>
<li>le numéro de l'acte, si vous le connaissez (il figure sur un ancien extrait) ;</li>
<li>un numéro de téléphone malien pour être prévenu ;</li>
<li>une adresse, si vous voulez recevoir l'acte par la poste.</li>
</ul>
<h2>Comment ça se passe</h2>
<ol>
<li>Vous remplissez le formulaire (environ 5 minutes).</li>
<li>Vous recevez un numéro de suivi, par exemple <span class="nowrap">EC-2026-7K3M-Q9XD</span>.</li>
<li>Vous retirez l'acte à la mairie avec ce numéro et une pièce d'identité,
ou vous le recevez par la poste.</li>
</ol>
<a class="button" href="/demande">Commencer la demande</a>
<p>Vous avez déjà fait une demande ? <a href="/suivi">Suivre une demande</a> avec son numéro.</p>`;
}
