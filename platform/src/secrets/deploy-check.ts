import { eq } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import { appSecrets } from '../db/schema/index.ts';
import { ApiError } from '../errors.ts';

/**
 * At deploy: every secret the app declares (`gov.secrets`) is set, and no
 * var shares a name with a secret (which one would the code see?). Refused
 * with the name and the command that fixes it.
 */
export async function assertSecretsFit(
  tx: Database,
  app: { id: string; name: string },
  bundle: { secrets: string[]; vars: Record<string, string>; bindings: Array<{ name: string }> },
): Promise<void> {
  const rows = await tx
    .select({ name: appSecrets.name })
    .from(appSecrets)
    .where(eq(appSecrets.appId, app.id));
  const set = new Set(rows.map((r) => r.name));
  const missing = bundle.secrets.find((name) => !set.has(name));
  if (missing) {
    throw new ApiError(
      'invalid_bundle',
      `secret ${missing} is not set for app "${app.name}"`,
      `set it with \`gov secrets put ${missing} --app ${app.name}\`, then deploy again`,
    );
  }
  const clash = [...Object.keys(bundle.vars), ...bundle.bindings.map((b) => b.name)].find((name) =>
    set.has(name),
  );
  if (clash) {
    throw new ApiError(
      'invalid_bundle',
      `${clash} is both a var or binding in the app's config and a secret of app "${app.name}"`,
      `remove it from "vars", or delete the secret with \`gov secrets delete ${clash} --app ${app.name}\``,
    );
  }
}
