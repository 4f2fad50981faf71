import { z } from 'zod';

/** Secrets are bound under JavaScript identifiers, like vars: `env.API_KEY`. */
export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** As on Cloudflare: a secret is a short piece of text (a key, a password, a token). */
export const MAX_SECRET_BYTES = 5120;

/** How many secrets one app may hold. */
export const MAX_SECRETS_PER_APP = 64;

export const secretNameSchema = z
  .string()
  .regex(SECRET_NAME, 'a secret name uses letters, digits and _, like API_KEY (at most 64)');

/** A secret as the API shows it: its name and when it changed, never its value. */
export interface SecretResource {
  name: string;
  /** Counts the changes: each one replaces the app's running instances. */
  revision: number;
  updatedAt: string;
  updatedBy: string | null;
}
