/**
 * Builds the platform image: bundles the control plane and the gateway,
 * assembles a build context with the files the bundle reads at run time,
 * and runs `podman build` on it.
 *
 *     node --import tsx platform/container/build.ts [--tag gov-platform:dev]
 *       [--base IMAGE --no-host-libs] [--context-only]
 *
 * The image gets this machine's Node (`process.execPath`). What it shares
 * with the runtime image (host libraries, user, content digest, podman
 * build) comes from runtime/container/scratch-image.ts.
 */
import { copyFile, mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AssembledContext,
  buildContext,
  contextDigest,
  copyBinary,
  type ImageOptions,
  runImageBuildCli,
  writeBase,
} from '@gov/runtime/container/scratch-image';
import { build, type Metafile } from 'esbuild';
import { IMAGE_NODE, IMAGE_PROGRAMS, IMAGE_ROOT } from './programs.ts';

export { IMAGE_UID } from '@gov/runtime/container/scratch-image';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PLATFORM = path.join(HERE, '..');
const DEFAULT_CONTEXT = path.join(HERE, 'dist', 'context');

/** The programs' sources, in platform/src/bin. */
const SOURCES: Record<keyof typeof IMAGE_PROGRAMS, string> = {
  controlPlane: 'control-plane.ts',
  gateway: 'gateway.ts',
};

/** The bundle's directory inside app/ (→ /opt/gov), where programs.ts says the programs are. */
const BUNDLE_DIR = path.posix.relative(IMAGE_ROOT, path.posix.dirname(IMAGE_PROGRAMS.gateway));

/**
 * db/database.ts finds the migrations at `../../drizzle` from the file its
 * code is in, which in the image is a chunk beside the programs: so they go
 * to /opt/gov/drizzle. The build checks the bundle still says so.
 */
const MIGRATIONS_FROM_BUNDLE = '../../drizzle';

/**
 * Both programs in one directory, their shared code in common chunks. ESM
 * output gets a `require` for the CommonJS packages inside (oidc-provider's
 * koa, client-node's dependencies) that require Node's built-in modules.
 */
async function bundlePrograms(outdir: string): Promise<Metafile> {
  const result = await build({
    entryPoints: Object.entries(IMAGE_PROGRAMS).map(([program, inImage]) => ({
      in: path.join(PLATFORM, 'src', 'bin', SOURCES[program as keyof typeof SOURCES]),
      out: path.posix.basename(inImage, '.mjs'),
    })),
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: `node${process.versions.node.split('.')[0]}`,
    // Not minified: stack traces in a pod's log stay readable.
    legalComments: 'none',
    banner: {
      js: "import { createRequire as __govCreateRequire } from 'node:module'; const require = __govCreateRequire(import.meta.url);",
    },
    metafile: true,
    logLevel: 'warning',
  });
  return result.metafile;
}

const SIBLING_FILE = /new URL\(\s*["'](\.\/)?([\w.-]+)["']\s*,\s*import\.meta\.url\s*\)/g;

/**
 * Files that bundled packages load from beside their own module (PGlite's
 * WebAssembly and data, `new URL('./pglite.wasm', import.meta.url)`): after
 * bundling, "beside" is the bundle's directory, so they are copied there.
 */
async function copySiblingFiles(metafile: Metafile, outdir: string): Promise<string[]> {
  const copied = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    if (!input.includes('node_modules/')) continue;
    const source = await readFile(input, 'utf8');
    for (const match of source.matchAll(SIBLING_FILE)) {
      const name = match[2] as string;
      if (copied.has(name)) continue;
      await copyFile(path.join(path.dirname(input), name), path.join(outdir, name)).catch(
        (error: Error) => {
          throw new Error(`${input} loads ${name} from beside itself, but: ${error.message}`);
        },
      );
      copied.add(name);
    }
  }
  return [...copied].sort();
}

/** The SQL files and the journal drizzle's migrator reads; not the snapshots drizzle-kit keeps. */
async function copyMigrations(bundleDir: string, outdir: string): Promise<void> {
  const bundled = await Promise.all(
    (await readdir(bundleDir))
      .filter((name) => name.endsWith('.mjs'))
      .map((name) => readFile(path.join(bundleDir, name), 'utf8')),
  );
  if (!bundled.some((code) => code.includes(`"${MIGRATIONS_FROM_BUNDLE}"`))) {
    throw new Error(
      `the bundle no longer resolves the migrations at "${MIGRATIONS_FROM_BUNDLE}" (platform/src/db/database.ts): update MIGRATIONS_FROM_BUNDLE`,
    );
  }
  const from = path.join(PLATFORM, 'drizzle');
  await mkdir(path.join(outdir, 'meta'), { recursive: true });
  await copyFile(
    path.join(from, 'meta', '_journal.json'),
    path.join(outdir, 'meta', '_journal.json'),
  );
  for (const name of await readdir(from)) {
    if (name.endsWith('.sql')) await copyFile(path.join(from, name), path.join(outdir, name));
  }
}

/** Writes the build context: Containerfile, app/ (→ /opt/gov) and base/ (→ /). */
export async function assembleContext(options: ImageOptions = {}): Promise<AssembledContext> {
  const dir = options.contextDir ?? DEFAULT_CONTEXT;
  const strip = options.strip ?? true;
  const hostLibs = options.hostLibs ?? (options.base ?? 'scratch') === 'scratch';
  await rm(dir, { recursive: true, force: true });
  const app = path.join(dir, 'app');
  const base = path.join(dir, 'base');
  const bin = path.join(app, BUNDLE_DIR);
  await mkdir(bin, { recursive: true });
  await mkdir(base, { recursive: true });

  await copyBinary(process.execPath, path.join(app, path.posix.basename(IMAGE_NODE)), strip);
  const metafile = await bundlePrograms(bin);
  await copySiblingFiles(metafile, bin);
  await copyMigrations(bin, path.resolve(bin, MIGRATIONS_FROM_BUNDLE));
  await writeBase(base, hostLibs ? [process.execPath] : undefined);

  await copyFile(path.join(HERE, 'Containerfile'), path.join(dir, 'Containerfile'));
  return { dir, digest: await contextDigest(dir, options.base ?? 'scratch') };
}

/**
 * Assembles the context and builds it, unless an image with the same
 * content digest already exists. Returns the image's name.
 */
export async function buildImage(
  options: ImageOptions = {},
): Promise<{ tag: string; built: boolean }> {
  const context = await assembleContext(options);
  return buildContext({
    ...context,
    tag: options.tag ?? `gov-platform:${context.digest.slice(0, 16)}`,
    base: options.base ?? 'scratch',
    title: 'gov-platform',
    labels: { 'gov.node-version': process.versions.node },
    quiet: options.quiet,
  });
}

runImageBuildCli(import.meta.url, { assembleContext, buildImage });
