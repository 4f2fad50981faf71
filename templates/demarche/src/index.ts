import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { type AppEnv, readSettings } from './env.ts';
import { formBodyLimit, formBodyOnly } from './form-body.ts';
import { confirmationPage } from './pages/confirmation.ts';
import { formPage } from './pages/form.ts';
import { landingPage } from './pages/landing.ts';
import { problemPages } from './pages/problem.ts';
import { renderPage } from './render.ts';
import { emptyValues, readValues, validate } from './request.ts';
import { noStore, securityHeaders } from './security-headers.ts';
import { newTrackingNumber } from './tracking.ts';

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
  // Storing the request arrives with the platform's services (no binding
  // yet): this is where to save `values` under the tracking number.
  const trackingNumber = newTrackingNumber();
  return renderPage(c, 'Demande enregistrée', confirmationPage(trackingNumber, values), 201);
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
