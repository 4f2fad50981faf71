import { createHash } from 'node:crypto';
import { z } from 'zod';
import { type Assets, assetsSchema } from './assets.ts';
import { type Bundle, bundleModuleSchema } from './bundle.ts';

/**
 * What an artifact holds: the code, and the static assets shipped with it.
 * Settings (vars, dates) belong to the deployment.
 */
export interface ArtifactContent {
  mainModule: string;
  modules: Bundle['modules'];
  assets?: Assets;
}

const artifactContentSchema = z.strictObject({
  mainModule: z.string().min(1),
  modules: z.array(bundleModuleSchema).min(1),
  assets: assetsSchema.optional(),
});

/**
 * Canonical bytes of the code: modules sorted by name, fixed key order, so
 * the same code always hashes to the same sha256 however it was uploaded.
 * These exact bytes are stored, served by digest and verified before a run.
 */
export function canonicalArtifact(
  bundle: Pick<Bundle, 'mainModule' | 'modules' | 'assets'>,
): Uint8Array {
  const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const modules = [...bundle.modules]
    .sort((a, b) => byKey(a.name, b.name))
    .map((m) => ({ name: m.name, type: m.type, contentBase64: m.contentBase64 }));
  // Code without assets keeps the bytes (and so the digest) it always had.
  const assets = bundle.assets && {
    files: [...bundle.assets.files]
      .sort((a, b) => byKey(a.path, b.path))
      .map((f) => ({ path: f.path, contentBase64: f.contentBase64 })),
    ...(bundle.assets.binding === undefined ? {} : { binding: bundle.assets.binding }),
    htmlHandling: bundle.assets.htmlHandling,
    notFoundHandling: bundle.assets.notFoundHandling,
    runWorkerFirst: bundle.assets.runWorkerFirst,
    // Only when set: assets without them keep the digest they always had.
    ...(bundle.assets.headers.length > 0 ? { headers: bundle.assets.headers } : {}),
    ...(bundle.assets.redirects.length > 0 ? { redirects: bundle.assets.redirects } : {}),
  };
  return new TextEncoder().encode(
    JSON.stringify({ mainModule: bundle.mainModule, modules, ...(assets ? { assets } : {}) }),
  );
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Checks artifact bytes against the digest they were asked by, then parses
 * them. Throws when they do not match: a tampered or truncated artifact
 * never reaches the runtime.
 */
export function openArtifact(bytes: Uint8Array, sha256: string): ArtifactContent {
  const actual = sha256Hex(bytes);
  if (actual !== sha256) {
    throw Object.assign(
      new Error(`artifact ${sha256} does not match its digest (got ${actual}): refusing to run it`),
      { code: 'artifact_invalid' as const },
    );
  }
  const parsed = artifactContentSchema.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
  if (!parsed.success) {
    throw Object.assign(new Error(`artifact ${sha256} is not a Gov artifact`), {
      code: 'artifact_invalid' as const,
    });
  }
  return parsed.data;
}
