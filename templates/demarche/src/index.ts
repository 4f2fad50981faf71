import { Hono } from 'hono';
import type { AppEnv } from './env.ts';
import { confirmationPage } from './pages/confirmation.ts';
import { formPage } from './pages/form.ts';
import { landingPage } from './pages/landing.ts';
import { layout } from './pages/layout.ts';
import { notFoundPage } from './pages/not-found.ts';
import { emptyValues, readValues, validate } from './request.ts';
import { securityHeaders } from './security-headers.ts';
import { newTrackingNumber } from './tracking.ts';

/**
 * A complete administrative procedure: a request for a birth-certificate
 * extract. Plain HTML forms, validated on the server, no client script.
 */
const app = new Hono<AppEnv>();
app.use(securityHeaders);

app.get('/healthz', (c) => c.json({ status: 'ok' }));

app.get('/', (c) =>
  c.html(
    layout({
      title: c.env.SERVICE_NAME,
      ministry: c.env.MINISTRY_NAME,
      body: landingPage(c.env.SERVICE_NAME),
    }),
  ),
);

app.get('/demande', (c) =>
  c.html(
    layout({
      title: 'Votre demande',
      ministry: c.env.MINISTRY_NAME,
      body: formPage(c.env.SERVICE_NAME, emptyValues(), {}),
    }),
  ),
);

app.post('/demande', async (c) => {
  if (!/^application\/x-www-form-urlencoded\b/i.test(c.req.header('content-type') ?? '')) {
    return c.text('Envoyez le formulaire depuis la page de demande.', 415);
  }
  const values = readValues(await c.req.parseBody());
  const errors = validate(values);
  if (Object.keys(errors).length > 0) {
    const page = layout({
      title: 'Erreurs dans votre demande',
      ministry: c.env.MINISTRY_NAME,
      body: formPage(c.env.SERVICE_NAME, values, errors),
    });
    return c.html(page, 422);
  }
  // Storage arrives with platform services; the tracking number is issued now.
  const trackingNumber = newTrackingNumber();
  return c.html(
    layout({
      title: 'Demande enregistrée',
      ministry: c.env.MINISTRY_NAME,
      body: confirmationPage(trackingNumber, values),
    }),
    201,
  );
});

app.notFound((c) =>
  c.html(
    layout({ title: 'Page introuvable', ministry: c.env.MINISTRY_NAME, body: notFoundPage() }),
    404,
  ),
);

export default app;
