import { describe, expect, it } from 'vitest';
import {
  emptyValues,
  normaliseDate,
  normalisePhone,
  readValues,
  type Values,
  validate,
} from './request.ts';
import { validRequest } from './test-fixtures.ts';

const today = new Date('2026-05-01T10:00:00Z');

describe('readValues', () => {
  it('keeps only the known fields, trimmed, spaces collapsed, in NFC', () => {
    const values = readValues({
      nom: '  Trao\u0072e\u0301  ',
      prenoms: 'Aminata   Fatoumata',
      inconnu: 'x',
      email: ['a@b.ml'],
    });
    expect(values.nom).toBe('Traoré');
    expect(values.prenoms).toBe('Aminata Fatoumata');
    expect(values.email).toBe('');
    expect(Object.keys(values)).toEqual(Object.keys(emptyValues()));
  });
});

describe('normaliseDate', () => {
  it.each([
    ['12/05/1990', '1990-05-12'],
    ['1/5/1990', '1990-05-01'],
    ['12.05.1990', '1990-05-12'],
    ['1990-05-12', '1990-05-12'],
    ['hier', 'hier'],
  ])('%s → %s', (input, expected) => {
    expect(normaliseDate(input)).toBe(expected);
  });
});

describe('normalisePhone', () => {
  it.each([
    ['+223 76 12 34 56', '+22376123456'],
    ['+22376123456', '+22376123456'],
    ['00223 76 12 34 56', '+22376123456'],
    ['76.12.34.56', '+22376123456'],
    ['20 22 33 44', '+22320223344'],
  ])('accepts %s', (input, expected) => {
    expect(normalisePhone(input)).toBe(expected);
  });

  it.each(['', '12', '+223 76 12 34 5', '+223 76 12 34 567', '+223 16 12 34 56', '+33612345678'])(
    'refuses %j',
    (input) => {
      expect(normalisePhone(input)).toBeUndefined();
    },
  );
});

describe('validate', () => {
  const check = (changes: Partial<Values>) => validate({ ...validRequest(), ...changes }, today);

  it('finds nothing wrong with a valid request', () => {
    expect(check({})).toEqual({});
  });

  it('accepts a child born today and refuses one born tomorrow', () => {
    expect(check({ date_naissance: '2026-05-01' })).toEqual({});
    expect(check({ date_naissance: '2026-05-02' })).toHaveProperty('date_naissance');
  });

  it('accepts names with accents, apostrophes and hyphens', () => {
    expect(check({ nom: "N'Diaye-Keïta", prenoms: 'Oumou Sangaré' })).toEqual({});
  });

  it('accepts act numbers with or without the year', () => {
    expect(check({ numero_acte: '1234' })).toEqual({});
    expect(check({ numero_acte: '1234/1990' })).toEqual({});
    expect(check({ numero_acte: '1234/90' })).toHaveProperty('numero_acte');
  });

  it('accepts exactly 100 characters and refuses 101', () => {
    expect(check({ adresse: 'a'.repeat(100) })).toEqual({});
    expect(check({ adresse: 'a'.repeat(101) })).toEqual({ adresse: '100 caractères au maximum.' });
  });

  it('needs an address only for a postal delivery', () => {
    expect(check({ mode_retrait: 'mairie', adresse: '' })).toEqual({});
    expect(check({ mode_retrait: 'envoi', adresse: '' })).toEqual({
      adresse: "Indiquez l'adresse d'envoi.",
    });
  });

  it('reports one message per field: the first problem', () => {
    expect(check({ nom: '' })).toEqual({ nom: 'Indiquez le nom.' });
  });
});
