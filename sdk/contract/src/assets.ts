import { z } from 'zod';

/**
 * Static assets uploaded with an app (wrangler's `assets`): the files of
 * its assets directory, and how Workers serves them. They travel in the
 * bundle and live in the artifact, so they are verified by digest with the
 * code and belong to the version that shipped them.
 */

/** As many files as a version may ship, and the size of each (Workers' own per-file limit). */
export const MAX_ASSET_FILES = 1000;
export const MAX_ASSET_FILE_BYTES = 25 * 1024 * 1024;

export const htmlHandlings = [
  'auto-trailing-slash',
  'force-trailing-slash',
  'drop-trailing-slash',
  'none',
] as const;
export const notFoundHandlings = ['single-page-application', '404-page', 'none'] as const;

export type HtmlHandling = (typeof htmlHandlings)[number];
export type NotFoundHandling = (typeof notFoundHandlings)[number];

/** A path as a citizen's browser asks for it: absolute, no "." or ".." segments, printable. */
const assetPath = z
  .string()
  .max(500)
  .regex(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
    /^(?:\/(?!\.\.?(?:\/|$))[^/\x00-\x1f\x7f]+)+$/,
    'asset paths are absolute, like /css/site.css, without "." or ".." segments or control characters',
  );

const base64 = z
  .string()
  .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'contentBase64 must be standard base64')
  .refine((s) => s.length % 4 === 0, 'contentBase64 has a truncated length (not a multiple of 4)');

/** `run_worker_first`: every request, or those matching these patterns (`/api/*`, `!/api/docs/*`). */
const routePattern = z
  .string()
  .max(200)
  .regex(/^!?\/[\x21-\x7e]*$/, 'a run_worker_first pattern is a path like /api/*, or !/api/docs/*');

/** A path with `*` (any rest) and `:name` (one segment) in it, as `_headers` and `_redirects` write them. */
const pathPattern = z
  .string()
  .max(500)
  .regex(/^\/[\x21-\x7e]*$/, 'a rule names a path like /demarches/*, with no spaces');

/** A `_headers` rule: a path pattern, headers to set, headers to remove. */
const headerRule = z.strictObject({
  pattern: pathPattern,
  set: z.record(
    z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$/, 'a header name like X-Frame-Options'),
    z
      .string()
      .max(2000)
      .regex(/^[\x20-\x7e\t]*$/, 'a header value is printable ASCII'),
  ),
  unset: z.array(z.string().max(100)).max(20).default([]),
});

/** A `_redirects` rule: from a path (with `*` and `:name`), to a path or URL, with a status. */
const redirectRule = z.strictObject({
  from: pathPattern,
  to: z
    .string()
    .min(1)
    .max(2000)
    .regex(/^[\x21-\x7e]+$/, 'a redirect target has no spaces'),
  status: z.union([z.literal(301), z.literal(302), z.literal(303), z.literal(307), z.literal(308)]),
});

export const assetsSchema = z
  .strictObject({
    files: z
      .array(z.strictObject({ path: assetPath, contentBase64: base64 }))
      .max(MAX_ASSET_FILES, `at most ${MAX_ASSET_FILES} asset files`),
    /** The binding the code reads them under (`env.ASSETS.fetch(request)`), if it names one. */
    binding: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'the assets binding is a name like ASSETS')
      .optional(),
    htmlHandling: z.enum(htmlHandlings).default('auto-trailing-slash'),
    notFoundHandling: z.enum(notFoundHandlings).default('none'),
    runWorkerFirst: z.union([z.boolean(), z.array(routePattern).max(100)]).default(false),
    /** The folder's `_headers` file, read: applied to the assets it matches. */
    headers: z.array(headerRule).max(100).default([]),
    /** The folder's `_redirects` file, read: applied before assets are looked up. */
    redirects: z.array(redirectRule).max(500).default([]),
  })
  .superRefine((assets, ctx) => {
    const seen = new Set<string>();
    for (const [i, file] of assets.files.entries()) {
      if (seen.has(file.path)) {
        ctx.addIssue({
          code: 'custom',
          path: ['files', i, 'path'],
          message: `asset ${file.path} appears twice`,
        });
      }
      seen.add(file.path);
      if (decodedBytes(file.contentBase64) > MAX_ASSET_FILE_BYTES) {
        ctx.addIssue({
          code: 'custom',
          path: ['files', i, 'contentBase64'],
          message: `asset ${file.path} is over ${MAX_ASSET_FILE_BYTES / 1024 / 1024} MiB, the limit of one asset file`,
        });
      }
    }
  });

export type Assets = z.infer<typeof assetsSchema>;

/** Bytes a base64 text decodes to. */
export function decodedBytes(contentBase64: string): number {
  const padding = contentBase64.endsWith('==') ? 2 : contentBase64.endsWith('=') ? 1 : 0;
  return (contentBase64.length / 4) * 3 - padding;
}

/** An asset decoded and ready to be served. */
export interface AssetFile {
  path: string;
  content: Uint8Array;
}

/** The assets of a version as the runtime serves them. */
export interface AppAssets extends Omit<Assets, 'files'> {
  files: AssetFile[];
}

export function decodeAssets(assets: Assets): AppAssets {
  return {
    ...assets,
    files: assets.files.map((f) => ({
      path: f.path,
      content: new Uint8Array(Buffer.from(f.contentBase64, 'base64')),
    })),
  };
}
