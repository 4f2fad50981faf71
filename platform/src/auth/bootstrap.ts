import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Database } from '../db/database.ts';
import { findActiveToken, issueToken } from './tokens.ts';

export const BOOTSTRAP_TOKEN_FILE = 'bootstrap-token';
/** A later start replaces it once expired, so the local setup keeps working. */
const BOOTSTRAP_TOKEN_DAYS = 90;

/**
 * On first start, creates an operator token and writes it to the data dir
 * (mode 0600) for the local CLI. A later start reuses it while it is still
 * valid, so restarting never invalidates the developer's setup.
 */
export async function ensureBootstrapToken(db: Database, dataDir: string): Promise<string> {
  const file = path.join(dataDir, BOOTSTRAP_TOKEN_FILE);
  const existing = await readFile(file, 'utf8').then(
    (s) => s.trim(),
    () => undefined,
  );
  if (existing && (await findActiveToken(db, existing))) return file;
  const token = await issueToken(db, {
    kind: 'bootstrap',
    label: 'bootstrap operator token',
    role: 'operator',
    createdBy: 'platform',
    expiresInDays: BOOTSTRAP_TOKEN_DAYS,
  });
  await writeFile(file, `${token.secret}\n`, { mode: 0o600 });
  return file;
}
