import { z } from 'zod';

/**
 * Ministry and app names end up in URLs and in citizen hostnames
 * (<app>.<ministry>.<domain>), so they follow DNS label rules, lowercase.
 */
export const slugSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{0,38}[a-z0-9]$/,
    'use 2 to 40 lowercase letters, digits and dashes, starting with a letter (like "etat-civil")',
  );

export function isSlug(value: string): boolean {
  return slugSchema.safeParse(value).success;
}
