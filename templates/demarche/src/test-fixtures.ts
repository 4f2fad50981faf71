/** Shared by the tests (not part of the app): a valid request and ways to send it. */
import { Miniflare } from 'miniflare';
import { afterAll } from 'vitest';
import type { Env } from './env.ts';
import app from './index.ts';
import type { Values } from './request.ts';
import type { KvNamespace } from './store.ts';

// A real KV namespace for the app in these tests: workerd through Miniflare,
// the local runtime wrangler itself uses (the platform's own KV service is
// tested end to end in test/e2e).
const runtime = new Miniflare({
  modules: true,
  script: 'export default { fetch() { return new Response(null, { status: 204 }); } };',
  kvNamespaces: ['DEMANDES'],
});
afterAll(() => runtime.dispose());

/** The namespace itself, with the KV API the tests look inside with. */
export const demandes = (await runtime.getKVNamespace('DEMANDES')) as unknown as KvNamespace & {
  list(options: { prefix: string }): Promise<{ keys: Array<{ name: string }> }>;
};

export const testEnv: Env = {
  SERVICE_NAME: "Demande d'extrait d'acte de naissance",
  MINISTRY_NAME: 'Ministère de la Justice',
  DEMANDES: demandes as unknown as Env['DEMANDES'],
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

/** Sends a valid request as a browser does, following the redirect to its tracking page. */
export async function submitAndFollow(fields: Record<string, string>) {
  const sent = await submit(fields);
  const location = sent.headers.get('location') ?? '';
  return { sent, page: await get(location), location };
}
