import { describe, expect, it } from 'vitest';
import app from './index.ts';
import {
  demandes,
  FORM,
  get,
  submit,
  submitAndFollow,
  TEXT_FIELDS,
  testEnv,
  validRequest,
} from './test-fixtures.ts';

const INJECTION = '"><script>alert(1)</script>';

describe('what citizens type is escaped', () => {
  it.each(TEXT_FIELDS)('in %s, when the form is shown again', async (field) => {
    // Without consent the form always comes back, whatever the field's own rules.
    const res = await submit({ ...validRequest(), consentement: '', [field]: INJECTION });
    expect(res.status).toBe(422);
    const body = await res.text();
    expect(body).not.toContain('<script>');
    expect(body).toContain(`value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`);
  });

  it('in a tracking number typed in the address or the search form', async () => {
    const typed = await get(`/suivi?numero=${encodeURIComponent(INJECTION)}`);
    expect(typed.status).toBe(404);
    const body = await typed.text();
    // Numbers are read in capitals, so the attempt comes back shouting, and escaped.
    expect(body).not.toMatch(/<script>/i);
    expect(body).toMatch(/&quot;&gt;&lt;script&gt;/i);
    const path = await get(`/suivi/${encodeURIComponent(INJECTION)}`);
    expect(await path.text()).not.toMatch(/<script>/i);
  });

  it('and a stored request shows none of it, nor any personal data, on its tracking page', async () => {
    const { sent, page } = await submitAndFollow({
      ...validRequest(),
      mode_retrait: 'envoi',
      adresse: INJECTION,
    });
    expect(sent.status).toBe(303);
    const body = await page.text();
    expect(body).not.toContain('<script>');
    for (const personal of ['Traoré', 'Aminata', '12/05/1990', '76 12', 'aminata@']) {
      expect(body).not.toContain(personal);
    }
  });
});

describe('POST /demande accepts only what the form sends', () => {
  it.each([
    'application/json',
    'multipart/form-data; boundary=x',
    'text/plain',
    'application/x-www-form-urlencoded-but-not',
    '',
  ])('answers 415 with a French page to content type %j', async (contentType) => {
    const res = await submit(validRequest(), contentType);
    expect(res.status).toBe(415);
    expect(res.headers.get('content-type')).toMatch(/^text\/html; charset=utf-8$/i);
    const body = await res.text();
    expect(body).toContain('<h1>Envoi non reconnu</h1>');
    expect(body).toContain('href="/demande"');
  });

  it('accepts the form content type with a charset', async () => {
    expect((await submit(validRequest(), `${FORM}; charset=UTF-8`)).status).toBe(303);
  });

  it('refuses an oversized body with 413 before reading it', async () => {
    const res = await submit({ ...validRequest(), bourrage: 'x'.repeat(20_000) });
    expect(res.status).toBe(413);
    expect(await res.text()).toContain('<h1>Envoi trop volumineux</h1>');
  });

  it('ignores unknown fields', async () => {
    const res = await submit(
      Object.fromEntries([
        ...Object.entries(validRequest()),
        ['admin', 'true'],
        ['__proto__', 'x'],
        ['constructor', 'x'],
        ['statut', 'accepte'],
      ]),
    );
    expect(res.status).toBe(303);
    const number = /\/suivi\/([^?]+)/.exec(res.headers.get('location') ?? '')?.[1] ?? '';
    const stored = JSON.stringify(await demandes.get(`demande:${number}`, 'json'));
    expect(stored).toContain('Traoré');
    expect(stored).not.toContain('accepte');
    expect(stored).not.toContain('admin');
  });

  it('refuses control characters', async () => {
    const res = await submit({ ...validRequest(), adresse: 'Rue 1\u0000', mode_retrait: 'envoi' });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('Ce champ contient des caractères non autorisés.');
  });
});

describe('when something breaks', () => {
  it('answers a broken upload with a French 500 page that shows nothing internal', async () => {
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new Error('connexion coupée: secret interne'));
      },
    });
    // Node needs `duplex` for a streamed body; the DOM types do not know it.
    const init: RequestInit & { duplex: 'half' } = {
      method: 'POST',
      headers: { 'content-type': FORM },
      body,
      duplex: 'half',
    };
    const request = new Request('http://demarche.test/demande', init);
    const errors: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => errors.push(args);
    try {
      const res = await app.request(request, {}, testEnv);
      expect(res.status).toBe(500);
      const page = await res.text();
      expect(page).toContain('<h1>Service momentanément indisponible</h1>');
      expect(page).not.toContain('secret interne');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(errors).toHaveLength(1);
    } finally {
      console.error = original;
    }
  });
});

describe('headers', () => {
  it.each([
    ['GET', '/', undefined],
    ['GET', '/demande', undefined],
    ['GET', '/inconnue', undefined],
    ['POST', '/demande', 'nom=x'],
  ])('%s %s sets the security headers', async (method, path, body) => {
    const res = await app.request(
      path,
      { method, body, headers: body ? { 'content-type': FORM } : {} },
      testEnv,
    );
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("style-src 'unsafe-inline'");
    expect(csp).toContain("form-action 'self'");
    expect(csp).not.toMatch(/https?:|\*/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
  });

  it('loads nothing from another origin', async () => {
    for (const path of ['/', '/demande', '/inconnue']) {
      const body = await (await get(path)).text();
      expect(body).not.toMatch(/(src|href|action)="(?!\/|#)/);
      expect(body).not.toMatch(/url\(|@import|<script|<link/);
    }
  });
});
