/**
 * Builds the runtime image: bundles the entrypoint into one JavaScript file,
 * assembles a build context, and runs `podman build` on it.
 *
 *     node --import tsx runtime/container/build.ts [--tag gov-runtime:dev]
 *       [--base IMAGE --no-host-libs] [--context-only]
 *
 * The image gets this machine's Node (`process.execPath`) and the workerd
 * binary pinned in package-lock.json. esbuild comes from node_modules, where
 * wrangler and tsx already bring it.
 */
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { workerdBinaryPath } from '../src/workerd/binary.ts';
import {
  type AssembledContext,
  buildContext,
  contextDigest,
  copyBinary,
  type ImageOptions,
  runImageBuildCli,
  writeBase,
} from './scratch-image.ts';

export { IMAGE_UID } from './scratch-image.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ENTRYPOINT = path.join(HERE, '..', 'src', 'entrypoint', 'main.ts');
const DEFAULT_CONTEXT = path.join(HERE, 'dist', 'context');

async function bundleEntrypoint(outfile: string): Promise<void> {
  await build({
    entryPoints: [ENTRYPOINT],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: `node${process.versions.node.split('.')[0]}`,
    legalComments: 'none',
    logLevel: 'warning',
  });
}

/** Writes the build context: Containerfile, app/ (→ /opt/gov) and base/ (→ /). */
export async function assembleContext(options: ImageOptions = {}): Promise<AssembledContext> {
  const dir = options.contextDir ?? DEFAULT_CONTEXT;
  const strip = options.strip ?? true;
  const hostLibs = options.hostLibs ?? (options.base ?? 'scratch') === 'scratch';
  await rm(dir, { recursive: true, force: true });
  const app = path.join(dir, 'app');
  const base = path.join(dir, 'base');
  await mkdir(app, { recursive: true });
  await mkdir(base, { recursive: true });

  // The npm launcher is a script; the package's optional dependency holds the binary.
  const workerd = await realWorkerdBinary();
  await copyBinary(process.execPath, path.join(app, 'node'), strip);
  await copyBinary(workerd, path.join(app, 'workerd'), strip);
  await bundleEntrypoint(path.join(app, 'entrypoint.mjs'));
  // Read at run time beside the entrypoint (new URL('./…', import.meta.url)), not bundled.
  for (const source of WORKER_SOURCES) {
    await copyFile(path.join(HERE, '..', 'src', source), path.join(app, path.basename(source)));
  }

  await writeBase(base, hostLibs ? [process.execPath, workerd] : undefined);

  await copyFile(path.join(HERE, 'Containerfile'), path.join(dir, 'Containerfile'));
  return { dir, digest: await contextDigest(dir, options.base ?? 'scratch') };
}

/** The platform's own Workers code, which the entrypoint writes into configs as it is. */
const WORKER_SOURCES = [
  'assets/assets-worker.js',
  'storage/kv-binding.js',
  'storage/d1-binding.js',
  'storage/r2-binding.js',
  'storage/storage-worker.js',
  'storage/storage-http.js',
  'storage/r2-bucket.js',
];

/** The workerd ELF itself, not the npm `bin/workerd` launcher script. */
async function realWorkerdBinary(): Promise<string> {
  const launcher = workerdBinaryPath();
  const head = (await readFile(launcher)).subarray(0, 4);
  if (head.toString('latin1') === '\x7fELF') return launcher;
  const require = createRequire(launcher);
  const pkg = `@cloudflare/workerd-${process.platform}-${process.arch === 'x64' ? '64' : process.arch}`;
  return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), 'bin', 'workerd');
}

function workerdVersion(): string {
  const require = createRequire(import.meta.url);
  return (require('workerd/package.json') as { version: string }).version;
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
    tag: options.tag ?? `gov-runtime:${context.digest.slice(0, 16)}`,
    base: options.base ?? 'scratch',
    title: 'gov-runtime',
    labels: {
      'gov.workerd-version': workerdVersion(),
      'gov.node-version': process.versions.node,
    },
    quiet: options.quiet,
  });
}

runImageBuildCli(import.meta.url, { assembleContext, buildImage });
