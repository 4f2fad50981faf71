import { createRequire } from 'node:module';
import path from 'node:path';

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
