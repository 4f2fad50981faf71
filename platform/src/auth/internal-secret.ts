import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The platform's own secret: the key of the capabilities its parts hand each
 * other (a runtime reading one artifact, a gateway reporting usage). From
 * GOV_INTERNAL_SECRET (a Kubernetes Secret in production, the same for every
 * replica) or, on the embedded default, a file in the data directory that
 * only the platform's user can read.
 */
export async function loadInternalSecret(
  dataDir: string,
  fromEnv: string | undefined,
): Promise<Buffer> {
  if (fromEnv) return Buffer.from(fromEnv, 'utf8');
  const file = path.join(dataDir, 'internal-secret');
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing?.trim()) return Buffer.from(existing.trim(), 'utf8');
  const secret = randomBytes(32).toString('base64url');
  // wx: two processes starting together keep the first one written.
  await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' }).catch(() => {});
  return Buffer.from((await readFile(file, 'utf8')).trim(), 'utf8');
}

/** What a capability lets its holder do: read one artifact, one version's secrets, or act as the gateway. */
export type CapabilityPurpose = `artifact:${string}` | `secrets:${string}` | 'gateway';

export function capability(secret: Buffer, purpose: CapabilityPurpose): string {
  return createHmac('sha256', secret).update(purpose).digest('base64url');
}

export function verifyCapability(
  secret: Buffer,
  purpose: CapabilityPurpose,
  presented: string,
): boolean {
  const expected = Buffer.from(capability(secret, purpose));
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
