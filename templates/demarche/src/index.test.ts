import { describe, expect, it } from 'vitest';
import app from './index.ts';
import { get, submit, validRequest } from './test-fixtures.ts';
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
  it('is confirmed with a tracking number of the right shape', async () => {
    const res = await submit(validRequest());
    expect(res.status).toBe(201);
    expect(res.headers.get('content-type')).toMatch(/^text\/html; charset=utf-8$/i);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = await res.text();
    const number = /<p class="number">([^<]*)<\/p>/.exec(body)?.[1] ?? '';
    expect(number).toMatch(TRACKING_NUMBER);
    expect(number.slice(3, 7)).toBe(String(new Date().getUTCFullYear()));
    expect(body).toContain('Copie intégrale, 2 copies');
    expect(body).toContain('Au nom de Aminata Traoré, né(e) le 12/05/1990 à Bamako Commune III');
    expect(body).toContain('Acte n° 1234/1990');
    expect(body).toContain('+22376123456');
    expect(body).toContain('présentez-vous à la mairie');
  });

  it('gets a new tracking number each time', async () => {
    const numbers = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const body = await (await submit(validRequest())).text();
      numbers.add(/<p class="number">([^<]*)<\/p>/.exec(body)?.[1] ?? '');
    }
    expect(numbers.size).toBe(5);
  });

  it('accepts a birth date typed the French way and a number without +223', async () => {
    const res = await submit({
      ...validRequest(),
      date_naissance: '12/05/1990',
      telephone: '76 12 34 56',
    });
    expect(res.status).toBe(201);
    const body = await res.text();
    expect(body).toContain('né(e) le 12/05/1990');
    expect(body).toContain('+22376123456');
  });

  it('accepts only the required fields', async () => {
    const res = await submit({ ...validRequest(), numero_acte: '', email: '' });
    expect(res.status).toBe(201);
    expect(await res.text()).not.toContain('Acte n°');
  });

  it('sends the certificate by post to the address given', async () => {
    const res = await submit({
      ...validRequest(),
      mode_retrait: 'envoi',
      adresse: 'Rue 305, Porte 12, Badalabougou, Bamako',
      nombre_copies: '1',
    });
    expect(res.status).toBe(201);
    const body = await res.text();
    expect(body).toContain('Envoi postal');
    expect(body).toContain('1 copie<');
    expect(body).toContain('Rue 305, Porte 12, Badalabougou, Bamako');
  });
});
