/**
 * The citizen's request for a birth-certificate extract: field list,
 * choices, and server-side validation with messages in French. The browser
 * may also check some of this, but only this code decides.
 */
export const fields = [
  'nom',
  'prenoms',
  'date_naissance',
  'lieu_naissance',
  'numero_acte',
  'type_extrait',
  'nombre_copies',
  'telephone',
  'email',
  'mode_retrait',
  'consentement',
] as const;
export type Field = (typeof fields)[number];
export type Values = Record<Field, string>;
export type Errors = Partial<Record<Field, string>>;

export const extractTypes = {
  integral: 'Copie intégrale',
  avec_filiation: 'Extrait avec filiation',
  sans_filiation: 'Extrait sans filiation',
} as const;

export const pickupModes = {
  mairie: 'Retrait à la mairie',
  envoi: 'Envoi postal',
} as const;

const MAX_LENGTH = 100;
const NAME = /^[\p{L}][\p{L}\p{M} '’-]*$/u;

export function emptyValues(): Values {
  return Object.fromEntries(fields.map((f) => [f, ''])) as Values;
}

/** Keeps only the known fields, trimmed; anything else the browser sent is ignored. */
export function readValues(form: Record<string, unknown>): Values {
  const values = emptyValues();
  for (const field of fields) {
    const raw = form[field];
    values[field] = typeof raw === 'string' ? raw.trim() : '';
  }
  values.date_naissance = normaliseDate(values.date_naissance);
  return values;
}

/**
 * Phones without a date picker show a text field where people type the
 * French way (12/05/1990); browsers with one send 1990-05-12. Accept both.
 */
export function normaliseDate(input: string): string {
  const french = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(input);
  if (!french) return input;
  const [, day = '', month = '', year = ''] = french;
  return `${year}-${month.padStart(2, '0')}-${day.padStart(2, '0')}`;
}

/** Normalises a Malian number to +223XXXXXXXX, or undefined when it is not one. */
export function normalisePhone(input: string): string | undefined {
  const compact = input.replace(/[\s.-]/g, '');
  const match = /^(?:\+223|00223)?([2-9]\d{7})$/.exec(compact);
  return match ? `+223${match[1]}` : undefined;
}

function checkDate(value: string, today: Date): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value))
    return 'Indiquez la date de naissance au format JJ/MM/AAAA.';
  const date = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) {
    return "Cette date de naissance n'existe pas.";
  }
  if (date.getTime() > today.getTime())
    return 'La date de naissance ne peut pas être dans le futur.';
  if (date.getUTCFullYear() < 1900) return 'La date de naissance doit être postérieure à 1900.';
  return undefined;
}

export function validate(values: Values, today: Date = new Date()): Errors {
  const errors: Errors = {};
  for (const field of fields) {
    if (values[field].length > MAX_LENGTH) errors[field] = `${MAX_LENGTH} caractères au maximum.`;
  }
  const required = (field: Field, message: string) => {
    if (!errors[field] && values[field] === '') errors[field] = message;
  };
  required('nom', 'Indiquez le nom.');
  required('prenoms', 'Indiquez le ou les prénoms.');
  required('date_naissance', 'Indiquez la date de naissance.');
  required('lieu_naissance', 'Indiquez la commune de naissance.');
  required('type_extrait', "Choisissez le type d'extrait.");
  required('nombre_copies', 'Indiquez le nombre de copies.');
  required('telephone', 'Indiquez un numéro de téléphone pour vous joindre.');
  required('mode_retrait', 'Choisissez un mode de retrait.');

  for (const field of ['nom', 'prenoms'] as const) {
    if (!errors[field] && !NAME.test(values[field])) {
      errors[field] =
        'Utilisez uniquement des lettres, des espaces, des apostrophes et des tirets.';
    }
  }
  if (!errors.date_naissance) errors.date_naissance = checkDate(values.date_naissance, today);
  if (!errors.lieu_naissance && values.lieu_naissance.length < 2) {
    errors.lieu_naissance = 'Indiquez la commune de naissance.';
  }
  if (
    values.numero_acte &&
    !errors.numero_acte &&
    !/^\d{1,6}(\/\d{4})?$/.test(values.numero_acte)
  ) {
    errors.numero_acte = "Le numéro d'acte s'écrit en chiffres, par exemple 1234 ou 1234/1990.";
  }
  if (!errors.type_extrait && !(values.type_extrait in extractTypes)) {
    errors.type_extrait = "Choisissez un type d'extrait dans la liste.";
  }
  if (!errors.nombre_copies && !/^[1-5]$/.test(values.nombre_copies)) {
    errors.nombre_copies = 'Vous pouvez demander de 1 à 5 copies.';
  }
  if (!errors.telephone && !normalisePhone(values.telephone)) {
    errors.telephone = 'Indiquez un numéro malien à 8 chiffres, par exemple +223 76 12 34 56.';
  }
  if (values.email && !errors.email && !/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(values.email)) {
    errors.email = 'Cette adresse e-mail ne semble pas valide.';
  }
  if (!errors.mode_retrait && !(values.mode_retrait in pickupModes)) {
    errors.mode_retrait = 'Choisissez un mode de retrait dans la liste.';
  }
  if (values.consentement !== 'on') {
    errors.consentement =
      "Vous devez accepter l'utilisation de vos données pour traiter la demande.";
  }
  for (const field of fields) if (errors[field] === undefined) delete errors[field];
  return errors;
}
