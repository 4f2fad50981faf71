/** Settings the platform binds from `vars` in wrangler.jsonc. */
export interface Env {
  SERVICE_NAME: string;
  MINISTRY_NAME: string;
}

export type AppEnv = { Bindings: Env };
