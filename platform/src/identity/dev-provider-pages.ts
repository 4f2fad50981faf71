/**
 * Every page the development provider shows, in French and self-contained:
 * oidc-provider's defaults load fonts from a foreign origin, and no page of
 * the platform may do that.
 */
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

const style = `body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1b1b1b}
label{display:block;font-weight:600;margin-top:1rem}input{width:100%;font-size:1rem;padding:.6rem;border:2px solid #555;border-radius:4px;box-sizing:border-box}
button{margin-top:1.25rem;background:#14532d;color:#fff;border:0;border-radius:4px;padding:.75rem 1.2rem;font-size:1rem;cursor:pointer}
.note{background:#fff4ce;padding:.5rem .75rem}.error{border:3px solid #a4000f;padding:.5rem .75rem}:focus-visible{outline:3px solid #f5a300}`;

export function providerPage(title: string, body: string): string {
  return `<!doctype html><html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${style}</style></head><body><main><h1>${escapeHtml(title)}</h1>${body}</main></body></html>`;
}

export function loginPage(uid: string, error?: string): string {
  return providerPage(
    'Identification des agents',
    `<p class="note">Fournisseur d'identité de développement : comptes <code>operateur</code>, <code>developpeur</code>, <code>auditeur</code>, tout mot de passe.</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label for="login">Identifiant</label><input id="login" name="login" autocomplete="username" required autofocus>
<label for="password">Mot de passe</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Se connecter</button></form>`,
  );
}

export function errorPage(error: string, description: string | undefined): string {
  return providerPage(
    'Connexion impossible',
    `<p class="error" role="alert">${escapeHtml(description ?? error)}</p><p><small>${escapeHtml(error)}</small></p>`,
  );
}

export function deviceCodeInputPage(form: string, error?: string): string {
  return providerPage(
    "Connexion d'un terminal",
    `${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}<p>Saisissez le code affiché par la commande <code>gov login</code>.</p>
${form}<label for="user_code">Code</label><input id="user_code" name="user_code" form="op.deviceInputForm" autocomplete="off" required>
<button type="submit" form="op.deviceInputForm">Continuer</button>`,
  );
}

export function deviceConfirmPage(form: string, userCode: string): string {
  return providerPage(
    "Connexion d'un terminal",
    `<p>Un terminal demande à se connecter avec votre identité. Vérifiez que la commande <code>gov login</code> affiche le code :</p>
<p style="font-size:1.6rem;font-weight:700;letter-spacing:.1em">${escapeHtml(userCode)}</p>
${form}<button type="submit" form="op.deviceConfirmForm">Confirmer</button>
<button type="submit" form="op.deviceConfirmForm" name="abort" value="yes" style="background:#555">Refuser</button>`,
  );
}

export const deviceSuccessPage = providerPage(
  'Terminal connecté',
  '<p>Vous pouvez fermer cette page et revenir au terminal.</p>',
);

export function logoutPage(form: string): string {
  return providerPage(
    'Déconnexion',
    `${form}<button type="submit" form="op.logoutForm" name="logout" value="yes">Se déconnecter</button>`,
  );
}
