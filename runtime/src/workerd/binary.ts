import { createRequire } from 'node:module';
import path from 'node:path';
// Imported, not read with require at run time: a bundle (the platform image)
// carries the version it was built with, and no node_modules.
import workerdPackage from 'workerd/package.json' with { type: 'json' };

/**
 * Path of the workerd binary from the npm `workerd` package. We resolve the
 * package's own launcher rather than a global install so that every machine
 * runs the exact version pinned in package-lock.json.
 */
export function workerdBinaryPath(): string {
  const require = createRequire(import.meta.url);
  const pkgJson = require.resolve('workerd/package.json');
  return path.join(path.dirname(pkgJson), 'bin', 'workerd');
}

/**
 * The newest compatibility date this workerd accepts: its version carries
 * its build date (1.YYYYMMDD.n). A version asking for a later date would
 * only fail at start, so the API refuses it at deploy.
 */
export function newestCompatibilityDate(): string {
  const { version } = workerdPackage;
  const digits = /^\d+\.(\d{4})(\d{2})(\d{2})\./.exec(version);
  if (!digits) throw new Error(`unexpected workerd version ${version}`);
  return `${digits[1]}-${digits[2]}-${digits[3]}`;
}
