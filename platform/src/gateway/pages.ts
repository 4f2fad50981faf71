/**
 * The pages citizens see when the platform itself answers: in French, tiny
 * (a slow phone loads them at once), no script, no foreign resource, with a
 * reference to quote to the help desk.
 */
export interface CitizenPage {
  status: number;
  title: string;
  message: string;
}

export const pages = {
  unknownHost: {
    status: 404,
    title: 'Service introuvable',
    message:
      "Aucun service public ne correspond à cette adresse. Vérifiez l'adresse saisie ou revenez à la page d'accueil du ministère.",
  },
  notDeployed: {
    status: 503,
    title: 'Service pas encore disponible',
    message: 'Ce service est en cours de mise en ligne. Réessayez dans quelques minutes.',
  },
  unavailable: {
    status: 503,
    title: 'Service momentanément indisponible',
    message: 'Le service ne peut pas répondre pour le moment. Réessayez dans quelques instants.',
  },
  badGateway: {
    status: 502,
    title: 'Le service ne répond pas',
    message:
      'Le service a rencontré un problème en traitant votre demande. Réessayez dans quelques instants.',
  },
  tooManyRequests: {
    status: 429,
    title: 'Trop de demandes en ce moment',
    message:
      "Ce service reçoit plus de demandes qu'il ne peut en traiter. Patientez une minute puis réessayez : vos informations n'ont pas été perdues.",
  },
  badRequest: {
    status: 400,
    title: 'Adresse invalide',
    message:
      "L'adresse demandée n'est pas valide. Vérifiez le lien ou saisissez à nouveau l'adresse du service.",
  },
  methodNotAllowed: {
    status: 405,
    title: 'Demande non prise en charge',
    message: "Ce type de demande n'est pas accepté par les services publics de la plateforme.",
  },
  timeout: {
    status: 504,
    title: 'Le service met trop de temps à répondre',
    message:
      "Votre demande n'a pas abouti dans le délai prévu. Elle n'a peut-être pas été enregistrée : vérifiez avant de la renouveler.",
  },
} satisfies Record<string, CitizenPage>;

/**
 * Headers of every page the gateway writes itself: nothing may load, run or
 * frame it, and browsers must not guess its type.
 */
export const pageSecurityHeaders = {
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

export function renderPage(page: CitizenPage, requestId: string): string {
  return `<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1a1a1a}h1{font-size:1.4rem}small{color:#555}</style>
</head>
<body>
<main>
<h1>${escapeHtml(page.title)}</h1>
<p>${escapeHtml(page.message)}</p>
<p><small>Référence à communiquer au support : ${escapeHtml(requestId)}</small></p>
</main>
</body>
</html>
`;
}
