import { createHash } from 'node:crypto';
import type { Bundle } from '@gov/runtime';
import { eq } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import { artifacts } from '../db/schema/index.ts';

/** What an artifact holds: the code only. Settings (vars, dates) belong to the deployment. */
export interface ArtifactContent {
  mainModule: string;
  modules: Bundle['modules'];
}

/**
 * Canonical bytes of the code: modules sorted by name, fixed key order, so
 * the same code always hashes to the same sha256 however it was uploaded.
 */
export function canonicalArtifact(bundle: Pick<Bundle, 'mainModule' | 'modules'>): Uint8Array {
  const modules = [...bundle.modules]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((m) => ({ name: m.name, type: m.type, contentBase64: m.contentBase64 }));
  return new TextEncoder().encode(JSON.stringify({ mainModule: bundle.mainModule, modules }));
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Stores the code once per content; returns its address. */
export async function putArtifact(
  db: Database,
  bundle: Bundle,
  bundleBytes: number,
): Promise<string> {
  const content = canonicalArtifact(bundle);
  const sha256 = sha256Hex(content);
  await db.insert(artifacts).values({ sha256, bundleBytes, content }).onConflictDoNothing();
  return sha256;
}

/** Reads an artifact back and checks it still hashes to its address. */
export async function getArtifact(db: Database, sha256: string): Promise<ArtifactContent> {
  const [row] = await db.select().from(artifacts).where(eq(artifacts.sha256, sha256)).limit(1);
  if (!row) throw new Error(`artifact ${sha256} is missing`);
  if (sha256Hex(row.content) !== sha256) {
    throw new Error(`artifact ${sha256} is corrupt: its content no longer matches its hash`);
  }
  return JSON.parse(new TextDecoder().decode(row.content)) as ArtifactContent;
}
