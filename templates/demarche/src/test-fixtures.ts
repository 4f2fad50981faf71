/** Shared by the tests (not part of the app): a valid request and ways to send it. */
import app from './index.ts';
import type { Values } from './request.ts';

export const testEnv = {
  SERVICE_NAME: "Demande d'extrait d'acte de naissance",
  MINISTRY_NAME: 'Ministère de la Justice',
};

export const FORM = 'application/x-www-form-urlencoded';

/** The fields a citizen types into (the others are choices). */
export const TEXT_FIELDS = [
  'nom',
  'prenoms',
  'date_naissance',
  'lieu_naissance',
  'numero_acte',
  'telephone',
  'email',
  'adresse',
] as const;

/** A complete, valid request as a browser sends it. */
export function validRequest(): Values {
  return {
    nom: 'Traoré',
    prenoms: 'Aminata',
    date_naissance: '1990-05-12',
    lieu_naissance: 'Bamako Commune III',
    numero_acte: '1234/1990',
    type_extrait: 'integral',
    nombre_copies: '2',
    telephone: '+223 76 12 34 56',
    email: 'aminata@exemple.ml',
    mode_retrait: 'mairie',
    adresse: '',
    consentement: 'on',
  };
}

export function get(path: string) {
  return app.request(path, {}, testEnv);
}

/** Posts the form the way a browser does, or with another content type. */
export function submit(fields: Record<string, string>, contentType = FORM) {
  return app.request(
    '/demande',
    {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: new URLSearchParams(fields).toString(),
    },
    testEnv,
  );
}
