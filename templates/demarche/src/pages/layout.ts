import { html, raw } from 'hono/html';

/** What `html` returns: escaped HTML, possibly still being rendered. */
export type Html = ReturnType<typeof html>;

/**
 * About 1.5 KB of CSS, inline: no font, no script, no other origin, so the
 * page is usable at once on a slow connection and a small phone. Colours
 * keep a contrast of at least 4.5:1 on white (7:1 for body text); the focus
 * ring is black on white and yellow on the dark header and buttons.
 * Inserted with `raw`: it is this file's constant, and inside <style> the
 * browser decodes no entity, so escaping would break "Segoe UI".
 */
const style = `
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:1rem;line-height:1.5;color:#1b1b1b;background:#fff}
a{color:#0b4f8a}
.skip{position:absolute;left:-999px;background:#fff;padding:.5rem}.skip:focus{left:1rem;top:1rem}
header{background:#14532d;color:#fff;padding:.75rem 1rem}header p{margin:0;font-size:.9rem}
main{max-width:40rem;margin:0 auto;padding:1rem}
h1,h2{line-height:1.25}h1{font-size:1.5rem}h2{font-size:1.25rem}.nowrap{white-space:nowrap}
label,legend{display:block;font-weight:600;margin-top:1.25rem}
.hint{display:block;font-weight:400;color:#4a4a4a;font-size:.9rem}
input,select{display:block;width:100%;font-size:1rem;padding:.6rem;border:2px solid #555;border-radius:4px;margin-top:.25rem;background:#fff;color:inherit}
input[type=radio],input[type=checkbox]{display:inline;width:1.25rem;height:1.25rem;margin:0 .6rem 0 0;flex:none}
fieldset{border:0;padding:0;margin:1.25rem 0 0}legend{margin:0;padding:0}
.choice{display:flex;align-items:center;font-weight:400;margin-top:.5rem;min-height:2.75rem}
.error{display:block;color:#a4000f;font-weight:600}
input[aria-invalid=true],select[aria-invalid=true]{border-color:#a4000f;border-width:3px}
.summary{border:3px solid #a4000f;padding:.75rem 1rem;margin:1rem 0}.summary h2{margin-top:0;font-size:1.2rem}
.button{display:inline-block;background:#14532d;color:#fff;border:0;border-radius:4px;padding:.8rem 1.2rem;font-size:1.05rem;font-weight:600;text-decoration:none;margin-top:1.5rem;cursor:pointer}
:focus-visible{outline:3px solid #1b1b1b;outline-offset:2px}
.button:focus-visible,header :focus-visible{outline-color:#fd0;box-shadow:0 0 0 6px #1b1b1b}
.number{font:700 1.4rem/1.3 ui-monospace,Menlo,Consolas,monospace;letter-spacing:.05em;white-space:nowrap;background:#eef6f0;padding:.5rem 1rem;display:inline-block}
footer{max-width:40rem;margin:2rem auto;padding:0 1rem;color:#4a4a4a;font-size:.85rem}
`;

export interface PageOptions {
  /** What the page is about; the browser tab shows it before the ministry. */
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
<style>${raw(style)}</style>
</head>
<body>
<a class="skip" href="#contenu">Aller au contenu</a>
<header><p>République du Mali – ${ministry}</p></header>
<main id="contenu" tabindex="-1">
${body}
</main>
<footer>Service public en ligne hébergé sur la plateforme nationale Gov.</footer>
</body>
</html>`;
}
