import {
  type ArtifactContent,
  type Bundle,
  canonicalArtifact,
  openArtifact,
  sha256Hex,
} from '@gov/contract';
import { eq } from 'drizzle-orm';
import type { Database } from '../db/database.ts';
import { artifacts } from '../db/schema/index.ts';

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
  return openArtifact(row.content, sha256);
}
