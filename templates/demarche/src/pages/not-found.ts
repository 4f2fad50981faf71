import { html } from 'hono/html';

export function notFoundPage() {
  return html`<h1>Page introuvable</h1>
<p>La page demandée n'existe pas. Vérifiez l'adresse ou revenez à l'accueil du service.</p>
<a href="/">Accueil du service</a>`;
}
