import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { type AppEnv, readSettings } from './env.ts';
import { formBodyLimit, formBodyOnly } from './form-body.ts';
import { trackingForm, trackingPage } from './pages/confirmation.ts';
import { formPage } from './pages/form.ts';
import { landingPage } from './pages/landing.ts';
import { problemPages } from './pages/problem.ts';
import { renderPage } from './render.ts';
import { emptyValues, readValues, validate } from './request.ts';
import { noStore, securityHeaders } from './security-headers.ts';
import { findRequest, type StoredRequest, saveNewRequest } from './store.ts';
import { newTrackingNumber, TRACKING_NUMBER } from './tracking.ts';

/**
 * A complete administrative procedure: a request for a birth-certificate
 * extract. Plain HTML forms, validated on the server, no client script.
 * The routes are all here so the whole procedure reads on one screen.
 */
const app = new Hono<AppEnv>();
app.use(securityHeaders);

// For the platform's probes: answers without touching anything else.
app.get('/healthz', (c) => c.json({ status: 'ok' }));

app.get('/', (c) => {
  const { serviceName } = readSettings(c.env);
  return renderPage(c, serviceName, landingPage(serviceName));
});

app.get('/demande', (c) => {
  const { serviceName } = readSettings(c.env);
  return renderPage(c, 'Votre demande', formPage(serviceName, emptyValues(), {}));
});

app.post('/demande', noStore, formBodyOnly, formBodyLimit, async (c) => {
  const { serviceName } = readSettings(c.env);
  const values = readValues(await c.req.parseBody());
  const errors = validate(values);
  if (Object.keys(errors).length > 0) {
    // "Erreur" first in the title: it is what a screen reader announces.
    const title = 'Erreur : votre demande est à corriger';
    return renderPage(c, title, formPage(serviceName, values, errors), 422);
  }
  // Kept before the citizen is told so; then post/redirect/get, so a reload
  // of the confirmation shows the same request and never sends a second one.
  let stored: StoredRequest | undefined;
  for (let attempt = 0; !stored && attempt < 3; attempt++) {
    const request: StoredRequest = {
      trackingNumber: newTrackingNumber(),
      receivedAt: new Date().toISOString(),
      status: 'recue',
      values,
    };
    if (await saveNewRequest(c.env.DEMANDES, request)) stored = request;
  }
  if (!stored) throw new Error('no free tracking number after 3 tries');
  return c.redirect(`/suivi/${stored.trackingNumber}?nouvelle=1`, 303);
});

app.get('/suivi', noStore, async (c) => {
  const typed = (c.req.query('numero') ?? '').trim().toUpperCase().slice(0, 40);
  if (!typed) return renderPage(c, 'Suivre une demande', trackingForm(''));
  const found = TRACKING_NUMBER.test(typed) ? await findRequest(c.env.DEMANDES, typed) : undefined;
  if (found) return c.redirect(`/suivi/${found.trackingNumber}`, 303);
  const error = TRACKING_NUMBER.test(typed)
    ? 'Aucune demande ne porte ce numéro : vérifiez-le, lettre par lettre.'
    : 'Ce numéro n’a pas la bonne forme : il ressemble à EC-2026-7K3M-Q9XD.';
  return renderPage(c, 'Erreur : numéro de suivi introuvable', trackingForm(typed, error), 404);
});

app.get('/suivi/:numero', noStore, async (c) => {
  const number = c.req.param('numero');
  const found = TRACKING_NUMBER.test(number)
    ? await findRequest(c.env.DEMANDES, number)
    : undefined;
  if (!found) {
    const error = 'Aucune demande ne porte ce numéro : vérifiez-le, lettre par lettre.';
    return renderPage(c, 'Erreur : numéro de suivi introuvable', trackingForm(number, error), 404);
  }
  const justSent = c.req.query('nouvelle') === '1';
  return renderPage(
    c,
    justSent ? 'Demande enregistrée' : 'Suivi de votre demande',
    trackingPage(found, justSent),
  );
});

app.notFound((c) => {
  const { title, body } = problemPages.notFound;
  return renderPage(c, title, body, 404);
});

app.onError((error, c) => {
  // Middleware added later (auth, CSRF…) answers with its own response.
  if (error instanceof HTTPException) return error.getResponse();
  // The citizen sees a French page; the details go to the app's logs (gov logs).
  console.error('demarche: unexpected error', error);
  const { title, body } = problemPages.serverError;
  return renderPage(c, title, body, 500);
});

export default app;
