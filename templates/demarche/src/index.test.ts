import { describe, expect, it } from 'vitest';
import app from './index.ts';
import { demandes, get, submitAndFollow, validRequest } from './test-fixtures.ts';
import { TRACKING_NUMBER } from './tracking.ts';

const bytes = (text: string) => new TextEncoder().encode(text).byteLength;

describe('pages', () => {
  it('serves a French landing page that explains the procedure and links to the form', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html; charset=utf-8$/i);
    const body = await res.text();
    expect(body).toContain('<html lang="fr">');
    expect(body).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(body).toContain('<a class="skip" href="#contenu">Aller au contenu</a>');
    expect(body).toContain('<h1>Demande d&#39;extrait d&#39;acte de naissance</h1>');
    expect(body).toContain('Ministère de la Justice');
    expect(body).toContain('<a class="button" href="/demande">Commencer la demande</a>');
    expect(body).not.toContain('<script');
    // A slow phone gets the whole page in one round trip.
    expect(bytes(body)).toBeLessThan(8 * 1024);
  });

  it('keeps the style sheet intact (not HTML-escaped inside <style>)', async () => {
    const body = await (await get('/')).text();
    expect(body).toContain('"Segoe UI"');
    expect(body).not.toMatch(/<style>[^<]*&quot;/);
  });

  it('serves an accessible form: labels bound to inputs, autocomplete, nothing pre-checked', async () => {
    const res = await get('/demande');
    expect(res.status).toBe(200);
    const body = await res.text();
    for (const id of [
      'nom',
      'prenoms',
      'date_naissance',
      'lieu_naissance',
      'numero_acte',
      'nombre_copies',
      'telephone',
      'email',
      'adresse',
      'consentement',
    ]) {
      expect(body).toContain(`for="${id}"`);
      expect(body).toContain(`id="${id}"`);
    }
    for (const token of ['family-name', 'given-name', 'bday', 'tel', 'email', 'street-address']) {
      expect(body).toContain(`autocomplete="${token}"`);
    }
    expect(body).toContain('<legend>Type d&#39;extrait</legend>');
    expect(body).toContain('<legend>Mode de retrait</legend>');
    expect(body).toContain('aria-describedby="telephone-aide"');
    expect(body).toContain('<form method="post" action="/demande" novalidate>');
    expect(body).not.toContain(' checked');
    expect(body).not.toContain('class="summary"');
    expect(body).not.toContain('<script');
    expect(bytes(body)).toBeLessThan(12 * 1024);
  });

  it('answers probes on /healthz with JSON', async () => {
    const res = await get('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers unknown pages with a French 404 page', async () => {
    const res = await get('/inconnue');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const body = await res.text();
    expect(body).toContain('<html lang="fr">');
    expect(body).toContain('<h1>Page introuvable</h1>');
    expect(body).toContain('href="/"');
  });

  it('falls back to default names when the vars are missing', async () => {
    const res = await app.request('/');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Demande d&#39;extrait d&#39;acte de naissance');
  });
});

describe('a valid request', () => {
  it('is kept, then the citizen is sent to its tracking page (post/redirect/get)', async () => {
    const { sent, page, location } = await submitAndFollow(validRequest());
    expect(sent.status).toBe(303);
    expect(sent.headers.get('cache-control')).toBe('no-store');
    const number = /^\/suivi\/([^?]+)\?nouvelle=1$/.exec(location)?.[1] ?? '';
    expect(number).toMatch(TRACKING_NUMBER);
    expect(number.slice(3, 7)).toBe(String(new Date().getUTCFullYear()));
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    const body = await page.text();
    expect(body).toContain('<h1>Demande enregistrée</h1>');
    expect(body).toContain(`<p class="number">${number}</p>`);
    expect(body).toContain('Reçue');
    expect(body).toContain('Copie intégrale, 2 copies');
    expect(body).toContain('présentez-vous à la mairie');
    // What the citizen sent is kept, whole, under the number.
    const stored = (await demandes.get(`demande:${number}`, 'json')) as {
      values: Record<string, string>;
      status: string;
    };
    expect(stored.status).toBe('recue');
    expect(stored.values).toMatchObject({ nom: 'Traoré', numero_acte: '1234/1990' });
  });

  it('is not sent twice by a reload of its confirmation', async () => {
    const { location } = await submitAndFollow(validRequest());
    const before = (await demandes.list({ prefix: 'demande:' })).keys.length;
    for (let i = 0; i < 3; i++) expect((await get(location)).status).toBe(200);
    expect((await demandes.list({ prefix: 'demande:' })).keys.length).toBe(before);
  });

  it('gets a new tracking number each time', async () => {
    const numbers = new Set<string>();
    for (let i = 0; i < 5; i++) numbers.add((await submitAndFollow(validRequest())).location);
    expect(numbers.size).toBe(5);
  });

  it('can be found again by its number, typed in any case, from the tracking form', async () => {
    const { location } = await submitAndFollow(validRequest());
    const number = /\/suivi\/([^?]+)/.exec(location)?.[1] ?? '';
    const form = await get('/suivi');
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('<label for="numero">Numéro de suivi</label>');
    const typed = await get(`/suivi?numero=${encodeURIComponent(` ${number.toLowerCase()} `)}`);
    expect(typed.status).toBe(303);
    expect(typed.headers.get('location')).toBe(`/suivi/${number}`);
    const page = await (await get(`/suivi/${number}`)).text();
    expect(page).toContain('<h1>Suivi de votre demande</h1>');
  });

  it.each([
    [
      'a number of the right shape that was never given',
      'EC-2026-AAAA-BBBB',
      /Aucune demande ne porte ce numéro/,
    ],
    ['something else', 'mon-numero', /n’a pas la bonne forme/],
  ])(
    'answers %s with 404 and the form again, the error tied to the field',
    async (_what, typed, message) => {
      const res = await get(`/suivi?numero=${encodeURIComponent(typed)}`);
      expect(res.status).toBe(404);
      const body = await res.text();
      expect(body).toMatch(message);
      expect(body).toContain('aria-invalid="true"');
      expect(body).toContain('aria-describedby="numero-aide numero-erreur"');
      expect((await get('/suivi/EC-2026-AAAA-BBBB')).status).toBe(404);
    },
  );

  it('accepts a birth date typed the French way and a number without +223', async () => {
    const { location } = await submitAndFollow({
      ...validRequest(),
      date_naissance: '12/05/1990',
      telephone: '76 12 34 56',
    });
    const number = /\/suivi\/([^?]+)/.exec(location)?.[1] ?? '';
    const stored = (await demandes.get(`demande:${number}`, 'json')) as {
      values: Record<string, string>;
    };
    expect(stored.values).toMatchObject({ date_naissance: '1990-05-12' });
  });

  it('sends the certificate by post to the address given', async () => {
    const { page } = await submitAndFollow({
      ...validRequest(),
      mode_retrait: 'envoi',
      adresse: 'Rue 305, Porte 12, Badalabougou, Bamako',
      nombre_copies: '1',
    });
    const body = await page.text();
    expect(body).toContain('Envoi postal');
    expect(body).toContain('1 copie<');
    expect(body).toContain("L'acte sera envoyé à l'adresse indiquée dans votre demande.");
  });
});
