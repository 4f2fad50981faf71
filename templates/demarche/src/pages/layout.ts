import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/**
 * A few hundred bytes of CSS, inline: no font, no script, no other origin,
 * so the page is usable at once on a slow connection and a small phone.
 */
const style = `
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.5;color:#1b1b1b;background:#fff}
a{color:#0b4f8a}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem}
header{background:#14532d;color:#fff;padding:.75rem 1rem}header p{margin:0;font-size:.9rem}
main{max-width:40rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;line-height:1.25}
label,legend{display:block;font-weight:600;margin-top:1rem}
.hint{display:block;font-weight:400;color:#4a4a4a;font-size:.9rem}
input,select{width:100%;font-size:1rem;padding:.6rem;border:2px solid #555;border-radius:4px;margin-top:.25rem}
input[type=radio],input[type=checkbox]{width:auto;margin-right:.5rem}
fieldset{border:0;padding:0;margin:0}
.choice{display:flex;align-items:center;font-weight:400;margin-top:.5rem}
.error{color:#a4000f;font-weight:600}
[aria-invalid=true]{border-color:#a4000f}
.summary{border:3px solid #a4000f;padding:.75rem 1rem;margin:1rem 0}
.button{display:inline-block;background:#14532d;color:#fff;border:0;border-radius:4px;padding:.8rem 1.2rem;font-size:1.05rem;text-decoration:none;margin-top:1.5rem;cursor:pointer}
:focus-visible{outline:3px solid #f5a300;outline-offset:2px}
.number{font-size:1.6rem;font-weight:700;letter-spacing:.05em;background:#eef6f0;padding:.5rem 1rem;display:inline-block}
footer{max-width:40rem;margin:2rem auto;padding:0 1rem;color:#4a4a4a;font-size:.85rem}
`;

export interface PageOptions {
  title: string;
  ministry: string;
  body: Html;
}

export function layout({ title, ministry, body }: PageOptions) {
  return html`<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} – ${ministry}</title>
<style>${style}</style>
</head>
<body>
<a class="skip" href="#contenu">Aller au contenu</a>
<header><p>République du Mali – ${ministry}</p></header>
<main id="contenu">
${body}
</main>
<footer>Service public en ligne hébergé sur la plateforme nationale Gov.</footer>
</body>
</html>`;
}
