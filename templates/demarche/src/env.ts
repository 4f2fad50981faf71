import type { KvNamespace } from './store.ts';

/**
 * Settings the platform binds from `vars` in wrangler.jsonc. Optional on
 * purpose: a ministry that deletes a var gets a default, not a broken page.
 */
export interface Env {
  SERVICE_NAME?: string;
  MINISTRY_NAME?: string;
  /** Where requests are kept under their tracking number (`kv_namespaces`). */
  DEMANDES: KvNamespace;
}

export type AppEnv = { Bindings: Env };

export interface Settings {
  serviceName: string;
  ministryName: string;
}

const defaults: Settings = {
  serviceName: "Demande d'extrait d'acte de naissance",
  ministryName: 'Administration publique',
};

/** Reads the settings; `env` is undefined when a test calls the app without bindings. */
export function readSettings(env: Env | undefined): Settings {
  return {
    serviceName: env?.SERVICE_NAME?.trim() || defaults.serviceName,
    ministryName: env?.MINISTRY_NAME?.trim() || defaults.ministryName,
  };
}
