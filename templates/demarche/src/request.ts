/**
 * The citizen's request for a birth-certificate extract: its fields, the
 * allowed choices, and server-side validation with messages in French. The
 * browser may check some of this too, but only this code decides.
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
  'adresse',
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

/** Own keys only: `toString` or `constructor` are not extract types. */
export function isChoice<T extends object>(
  choices: T,
  value: string,
): value is Extract<keyof T, string> {
  return Object.hasOwn(choices, value);
}

export const MAX_LENGTH = 100;
const OLDEST_BIRTH_DATE = '1900-01-01';
const NAME = /^\p{L}[\p{L}\p{M} '’-]*$/u;
const COMMUNE = /^[\p{L}\d][\p{L}\p{M}\d '’.,()/-]+$/u;
const CONTROL_CHARACTER = /\p{Cc}/u;

export function emptyValues(): Values {
  return Object.fromEntries(fields.map((f) => [f, ''])) as Values;
}

/**
 * Keeps only the known fields, in Unicode NFC (é typed as e + accent equals
 * é), with runs of spaces collapsed; anything else the browser sent is
 * ignored.
 */
export function readValues(form: Record<string, unknown>): Values {
  const values = emptyValues();
  for (const field of fields) {
    const raw = form[field];
    values[field] = typeof raw === 'string' ? raw.normalize('NFC').replace(/\s+/g, ' ').trim() : '';
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
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    return 'Indiquez la date de naissance au format JJ/MM/AAAA, par exemple 12/05/1990.';
  }
  const date = new Date(`${value}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value) {
    return "Cette date de naissance n'existe pas.";
  }
  if (date.getTime() > today.getTime()) {
    return 'La date de naissance ne peut pas être dans le futur.';
  }
  if (value < OLDEST_BIRTH_DATE) return 'La date de naissance doit être postérieure à 1900.';
  return undefined;
}

/** Every problem with the request, by field; an empty object means it is valid. */
export function validate(values: Values, today: Date = new Date()): Errors {
  const errors: Errors = {};
  const fail = (field: Field, message: string) => {
    errors[field] ??= message;
  };
  for (const field of fields) {
    if (values[field].length > MAX_LENGTH) fail(field, `${MAX_LENGTH} caractères au maximum.`);
    if (CONTROL_CHARACTER.test(values[field]))
      fail(field, 'Ce champ contient des caractères non autorisés.');
  }
  const required = (field: Field, message: string) => {
    if (values[field] === '') fail(field, message);
  };
  required('nom', 'Indiquez le nom.');
  required('prenoms', 'Indiquez le ou les prénoms.');
  required('date_naissance', 'Indiquez la date de naissance.');
  required('lieu_naissance', 'Indiquez la commune de naissance.');
  required('type_extrait', "Choisissez le type d'extrait.");
  required('nombre_copies', 'Indiquez le nombre de copies.');
  required('telephone', 'Indiquez un numéro de téléphone pour vous joindre.');
  required('mode_retrait', 'Choisissez un mode de retrait.');
  if (values.mode_retrait === 'envoi') required('adresse', "Indiquez l'adresse d'envoi.");
  if (values.consentement !== 'on') {
    fail(
      'consentement',
      "Vous devez accepter l'utilisation de vos données pour traiter la demande.",
    );
  }

  for (const field of ['nom', 'prenoms'] as const) {
    if (!NAME.test(values[field])) {
      fail(field, 'Utilisez uniquement des lettres, des espaces, des apostrophes et des tirets.');
    }
  }
  const dateError = checkDate(values.date_naissance, today);
  if (dateError) fail('date_naissance', dateError);
  if (!COMMUNE.test(values.lieu_naissance)) {
    fail(
      'lieu_naissance',
      'Écrivez le nom de la commune avec des lettres, des chiffres, des espaces ou des tirets.',
    );
  }
  if (values.numero_acte && !/^\d{1,6}(\/\d{4})?$/.test(values.numero_acte)) {
    fail('numero_acte', "Le numéro d'acte s'écrit en chiffres, par exemple 1234 ou 1234/1990.");
  }
  if (!isChoice(extractTypes, values.type_extrait)) {
    fail('type_extrait', "Choisissez un type d'extrait dans la liste.");
  }
  if (!/^[1-5]$/.test(values.nombre_copies)) {
    fail('nombre_copies', 'Vous pouvez demander de 1 à 5 copies.');
  }
  if (!normalisePhone(values.telephone)) {
    fail('telephone', 'Indiquez un numéro malien à 8 chiffres, par exemple +223 76 12 34 56.');
  }
  if (values.email && !/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(values.email)) {
    fail('email', 'Cette adresse e-mail ne semble pas valide, par exemple nom@exemple.ml.');
  }
  if (!isChoice(pickupModes, values.mode_retrait)) {
    fail('mode_retrait', 'Choisissez un mode de retrait dans la liste.');
  }
  // Errors keep the form's order, so the summary reads top to bottom.
  return Object.fromEntries(fields.flatMap((f) => (errors[f] ? [[f, errors[f]]] : []))) as Errors;
}
