import { describe, expect, it } from 'vitest';
import type { Field, Values } from './request.ts';
import { submit, TEXT_FIELDS, validRequest } from './test-fixtures.ts';

/** How the page shows a value: hono/html escapes apostrophes as &#39;. */
const shown = (text: string) => text.replaceAll("'", '&#39;');

/** Every answer of `sent` except `field` is still in the re-shown form. */
function expectOtherAnswersKept(body: string, sent: Values, field: Field) {
  for (const other of TEXT_FIELDS) {
    if (other !== field) expect(body).toContain(`name="${other}" value="${shown(sent[other])}"`);
  }
  if (field !== 'type_extrait') {
    expect(body).toContain(`name="type_extrait" value="${sent.type_extrait}" checked`);
  }
  if (field !== 'mode_retrait') {
    expect(body).toContain(`name="mode_retrait" value="${sent.mode_retrait}" checked`);
  }
  if (field !== 'nombre_copies') expect(body).toContain(`<option selected>${sent.nombre_copies}`);
  if (field !== 'consentement') expect(body).toMatch(/name="consentement" checked/);
}

describe('an invalid request', () => {
  it.each<[Field, string, string]>([
    ['nom', '', 'Indiquez le nom.'],
    ['nom', 'R2D2', 'Utilisez uniquement des lettres'],
    ['nom', 'T'.repeat(101), '100 caractères au maximum.'],
    ['prenoms', '', 'Indiquez le ou les prénoms.'],
    ['prenoms', 'Aminata 2', 'Utilisez uniquement des lettres'],
    ['date_naissance', '', 'Indiquez la date de naissance.'],
    ['date_naissance', 'hier', 'Indiquez la date de naissance au format JJ/MM/AAAA'],
    ['date_naissance', '2999-01-01', 'La date de naissance ne peut pas être dans le futur.'],
    ['date_naissance', '30/02/1990', "Cette date de naissance n'existe pas."],
    ['date_naissance', '1850-06-01', 'La date de naissance doit être postérieure à 1900.'],
    ['lieu_naissance', '', 'Indiquez la commune de naissance.'],
    ['lieu_naissance', 'B'.repeat(101), '100 caractères au maximum.'],
    ['lieu_naissance', 'Bamako; Kati', 'Écrivez le nom de la commune'],
    ['numero_acte', 'abc', "Le numéro d'acte s'écrit en chiffres"],
    ['type_extrait', '', "Choisissez le type d'extrait."],
    ['type_extrait', 'faux', "Choisissez un type d'extrait dans la liste."],
    ['type_extrait', 'toString', "Choisissez un type d'extrait dans la liste."],
    ['nombre_copies', '0', 'Vous pouvez demander de 1 à 5 copies.'],
    ['nombre_copies', '6', 'Vous pouvez demander de 1 à 5 copies.'],
    ['nombre_copies', 'deux', 'Vous pouvez demander de 1 à 5 copies.'],
    ['telephone', '', 'Indiquez un numéro de téléphone pour vous joindre.'],
    ['telephone', '12', 'Indiquez un numéro malien à 8 chiffres'],
    ['telephone', '+33 6 12 34 56 78', 'Indiquez un numéro malien à 8 chiffres'],
    ['email', 'pas-un-email', 'Cette adresse e-mail ne semble pas valide'],
    ['mode_retrait', '', 'Choisissez un mode de retrait.'],
    ['mode_retrait', 'constructor', 'Choisissez un mode de retrait dans la liste.'],
    ['consentement', '', "Vous devez accepter l'utilisation de vos données"],
  ])(
    'refuses %s = %j with a French message, beside the field and at the top',
    async (field, value, message) => {
      const sent = { ...validRequest(), [field]: value };
      const res = await submit(sent);
      expect(res.status).toBe(422);
      expect(res.headers.get('content-type')).toMatch(/^text\/html; charset=utf-8$/i);
      const body = await res.text();
      expect(body).toContain('<title>Erreur : ');
      // Beside the field, tied to it for screen readers…
      expect(body).toContain(`<span class="error" id="${field}-erreur">${shown(message)}`);
      expect(body).toMatch(new RegExp(`aria-describedby="[^"]*\\b${field}-erreur"`));
      // …and in the summary at the top, linking to it.
      expect(body).toContain('Votre demande contient 1 erreur</h2>');
      expect(body).toContain(`<a href="#${field}">`);
      expect(body).toContain(`id="${field}"`);
      expectOtherAnswersKept(body, sent, field);
    },
  );

  it('asks for an address when the certificate is to be sent by post', async () => {
    const sent = { ...validRequest(), mode_retrait: 'envoi', adresse: '' };
    const res = await submit(sent);
    expect(res.status).toBe(422);
    const body = await res.text();
    expect(body).toContain(
      `<span class="error" id="adresse-erreur">${shown("Indiquez l'adresse d'envoi.")}`,
    );
    expectOtherAnswersKept(body, sent, 'adresse');
  });

  it('keeps the wrong value itself so the citizen can correct it', async () => {
    const body = await (await submit({ ...validRequest(), telephone: '+223 76 12' })).text();
    expect(body).toContain('name="telephone" value="+223 76 12"');
  });

  it('lists every error, in the order of the form', async () => {
    const res = await submit({ nom: 'Traoré' });
    expect(res.status).toBe(422);
    const body = await res.text();
    const summary = /<div class="summary"[\s\S]*?<\/div>/.exec(body)?.[0] ?? '';
    expect(summary).toContain('Votre demande contient 8 erreurs');
    const linked = [...summary.matchAll(/href="#(\w+)"/g)].map((m) => m[1]);
    expect(linked).toEqual([
      'prenoms',
      'date_naissance',
      'lieu_naissance',
      'type_extrait',
      'nombre_copies',
      'telephone',
      'mode_retrait',
      'consentement',
    ]);
    expect(body).toContain('name="nom" value="Traoré"');
  });
});
