import { html } from 'hono/html';
import type { Html } from './layout.ts';

export interface ProblemPage {
  title: string;
  body: Html;
}

/**
 * Pages for when something goes wrong, in plain French: what happened and
 * what to do next. Nothing internal (no stack, no error code) is shown.
 */
export const problemPages = {
  notFound: {
    title: 'Page introuvable',
    body: html`<h1>Page introuvable</h1>
<p>La page demandée n'existe pas. Vérifiez l'adresse ou revenez à l'accueil du service.</p>
<a href="/">Accueil du service</a>`,
  },
  unsupportedMediaType: {
    title: 'Envoi non reconnu',
    body: html`<h1>Envoi non reconnu</h1>
<p>Votre demande n'a pas été envoyée depuis le formulaire du service. Rien n'a été enregistré.</p>
<a href="/demande">Remplir le formulaire</a>`,
  },
  tooLarge: {
    title: 'Envoi trop volumineux',
    body: html`<h1>Envoi trop volumineux</h1>
<p>Les réponses envoyées sont trop longues. Rien n'a été enregistré.</p>
<a href="/demande">Remplir le formulaire</a>`,
  },
  serverError: {
    title: 'Service momentanément indisponible',
    body: html`<h1>Service momentanément indisponible</h1>
<p>Une erreur est survenue de notre côté. Votre demande n'a pas été enregistrée :
réessayez dans quelques minutes.</p>
<a href="/">Accueil du service</a>`,
  },
} satisfies Record<string, ProblemPage>;
