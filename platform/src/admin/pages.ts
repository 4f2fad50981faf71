import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

const style = `body{margin:0;font-family:system-ui,sans-serif;color:#1b1b1b;line-height:1.5}
header{background:#14532d;color:#fff;padding:.75rem 1rem;display:flex;justify-content:space-between;align-items:center;gap:1rem;flex-wrap:wrap}
header a,header button{color:#fff}main{max-width:60rem;margin:0 auto;padding:1rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem;border-bottom:1px solid #ccc;vertical-align:top}
.button{display:inline-block;background:#14532d;color:#fff;padding:.7rem 1.1rem;border-radius:4px;text-decoration:none;border:0;font-size:1rem;cursor:pointer}
.error{border:3px solid #a4000f;padding:.75rem 1rem}.notice{border:3px solid #14532d;padding:.75rem 1rem}
button.link{background:none;border:0;text-decoration:underline;font:inherit;cursor:pointer}
:focus-visible{outline:3px solid #1b1b1b;outline-offset:2px}
header :focus-visible{outline-color:#fff}
fieldset{border:1px solid #767676;padding:.5rem 1rem;margin:0 0 1rem}
.field{margin:.5rem 0}.field label{display:block;font-weight:600}
.hint{display:block;color:#505050}.field-error{display:block;color:#a4000f;font-weight:600}
input{font:inherit;padding:.4rem;border:2px solid #1b1b1b;max-width:100%;box-sizing:border-box}
.invalid input{border-color:#a4000f}
caption{text-align:left;font-weight:600;padding:.4rem 0}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (max-width:40rem){table.stack,table.stack tbody,table.stack tr,table.stack td{display:block;width:auto}
table.stack thead{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
table.stack tr{border-bottom:2px solid #ccc;padding:.4rem 0}table.stack td{border:0;padding:.1rem .4rem;overflow-wrap:anywhere}
table.stack td::before{content:attr(data-label) " : ";font-weight:600}}`;

/** The admin panel's frame: French, no script, nothing from another origin. */
export function adminLayout(
  title: string,
  body: Html,
  account?: { name: string; csrfToken: string },
) {
  return html`<!doctype html>
<html lang="fr">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} – Administration Gov</title><style>${raw(style)}</style></head>
<body>
<header><strong>Administration de la plateforme Gov</strong>
${
  account
    ? html`<form method="post" action="/admin/logout"><span>${account.name}</span>
<input type="hidden" name="csrf" value="${account.csrfToken}"> <button class="link" type="submit">Se déconnecter</button></form>`
    : ''
}</header>
<main>${body}</main>
</body></html>`;
}

export function signInPage() {
  return adminLayout(
    'Connexion',
    html`<h1>Connexion</h1>
<p>Les agents de la plateforme et des ministères se connectent avec leur identité professionnelle.</p>
<a class="button" href="/admin/login">Se connecter</a>`,
  );
}

export function errorPage(title: string, message: string) {
  return adminLayout(
    title,
    html`<h1>${title}</h1><div class="error" role="alert"><p>${message}</p></div>
<p><a href="/admin/login">Recommencer la connexion</a></p>`,
  );
}
