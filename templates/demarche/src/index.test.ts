import { describe, expect, it } from 'vitest';
import app from './index.ts';
import { TRACKING_NUMBER } from './tracking.ts';

const env = {
  SERVICE_NAME: "Demande d'extrait d'acte de naissance",
  MINISTRY_NAME: 'Ministère test',
};

const valid = {
  nom: 'Traoré',
  prenoms: 'Aminata',
  date_naissance: '1990-05-12',
  lieu_naissance: 'Bamako',
  numero_acte: '1234/1990',
  type_extrait: 'integral',
  nombre_copies: '2',
  telephone: '+223 76 12 34 56',
  email: '',
  mode_retrait: 'mairie',
  consentement: 'on',
};

function submit(fields: Record<string, string>, contentType = 'application/x-www-form-urlencoded') {
  return app.request(
    '/demande',
    {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: new URLSearchParams(fields).toString(),
    },
    env,
  );
}

describe('demarche template', () => {
  it('serves a French landing page that links to the form, with strict headers', async () => {
    const res = await app.request('/', {}, env);
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('<html lang="fr">');
    expect(body).toContain('href="/demande"');
    expect(body).not.toContain('<script');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    // A slow phone gets the whole page in one round trip.
    expect(new TextEncoder().encode(body).byteLength).toBeLessThan(8 * 1024);
  });

  it('serves an accessible form: every input has a label', async () => {
    const body = await (await app.request('/demande', {}, env)).text();
    for (const id of ['nom', 'prenoms', 'date_naissance', 'lieu_naissance', 'telephone', 'email']) {
      expect(body).toContain(`<label for="${id}">`);
      expect(body).toContain(`id="${id}"`);
    }
    expect(body).toContain('autocomplete="tel"');
  });

  it('confirms a valid request with a tracking number', async () => {
    const res = await submit(valid);
    expect(res.status).toBe(201);
    const body = await res.text();
    const number = /EC-\d{4}-[A-Z0-9]{4}-[A-Z0-9]{4}/.exec(body)?.[0] ?? '';
    expect(number).toMatch(TRACKING_NUMBER);
    expect(body).toContain('+22376123456');
  });

  it.each([
    ['nom', '', 'Indiquez le nom.'],
    ['nom', 'R2D2', 'Utilisez uniquement des lettres'],
    ['date_naissance', '2999-01-01', 'ne peut pas être dans le futur'],
    ['date_naissance', '1990-02-30', "n'existe pas"],
    ['numero_acte', 'abc', 'en chiffres'],
    ['type_extrait', 'faux', 'dans la liste'],
    ['nombre_copies', '9', 'de 1 à 5 copies'],
    ['telephone', '12', 'numéro malien à 8 chiffres'],
    ['email', 'pas-un-email', 'ne semble pas valide'],
    ['mode_retrait', '', 'Choisissez un mode de retrait.'],
    ['consentement', '', 'Vous devez accepter'],
    ['lieu_naissance', 'x'.repeat(101), '100 caractères au maximum'],
  ])(
    'refuses %s = %j with a French message and keeps the other answers',
    async (field, value, message) => {
      const res = await submit({ ...valid, [field]: value });
      expect(res.status).toBe(422);
      const body = await res.text();
      // Pages escape apostrophes as &#39;.
      expect(body).toContain(message.replaceAll("'", '&#39;'));
      expect(body).toContain(`aria-describedby="${field}-erreur"`);
      expect(body).toContain('value="Aminata"');
    },
  );

  it('accepts a birth date typed the French way', async () => {
    const res = await submit({ ...valid, date_naissance: '12/05/1990' });
    expect(res.status).toBe(201);
    expect(await res.text()).toContain('1990-05-12');
  });

  it('escapes what citizens type', async () => {
    const res = await submit({
      ...valid,
      lieu_naissance: '<script>alert(1)</script>',
      nombre_copies: '9',
    });
    const body = await res.text();
    expect(body).not.toContain('<script>alert(1)</script>');
    expect(body).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('ignores unknown fields and refuses other content types', async () => {
    expect((await submit({ ...valid, admin: 'true' })).status).toBe(201);
    expect((await submit(valid, 'application/json')).status).toBe(415);
  });

  it('answers unknown pages with a French 404 page', async () => {
    const res = await app.request('/inconnue', {}, env);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('Page introuvable');
  });
});
