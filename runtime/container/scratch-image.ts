/**
 * What every Gov image built here has in common (the runtime image, the
 * platform image): a build context of `base/` (→ /) and `app/` (→ /opt/gov),
 * a base image that is a build argument, the host's C libraries when that
 * base is `scratch`, one non-root user, and a content digest that names the
 * image so that an unchanged context is not built twice.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { podman } from './podman.ts';

/** The images' only user; the pods' securityContext names the same ids. */
export const IMAGE_UID = 65532;

/** Shared objects a binary loads, absolute paths as the loader finds them (ldd). */
export function sharedLibraries(binary: string): string[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  const libs = new Set<string>();
  for (const line of out.split('\n')) {
    // "libm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x…)" or "/lib64/ld-linux-x86-64.so.2 (0x…)"
    const found = /=>\s*(\/\S+)/.exec(line)?.[1] ?? /^\s*(\/\S+)\s+\(/.exec(line)?.[1];
    if (found) libs.add(found);
  }
  return [...libs].sort();
}

/** Copies an executable, without its symbol tables when `strip` (and binutils is here). */
export async function copyBinary(from: string, to: string, strip: boolean): Promise<void> {
  if (strip) {
    try {
      execFileSync('strip', ['--strip-unneeded', '-o', to, from]);
      await chmod(to, 0o755);
      return;
    } catch {
      // No binutils: a larger image, nothing else changes.
    }
  }
  await copyFile(from, to);
  await chmod(to, 0o755);
}

/**
 * Fills `base/`: with `hostLibsOf`, the loader and the libraries those
 * binaries link against plus a minimal /etc (a name for the uid, hosts
 * before DNS), which an image from scratch needs; always an empty /tmp, the
 * mount point of a pod's emptyDir, usable even without one.
 */
export async function writeBase(baseDir: string, hostLibsOf: string[] | undefined): Promise<void> {
  if (hostLibsOf) {
    const libs = new Set(hostLibsOf.flatMap(sharedLibraries));
    for (const lib of libs) {
      const target = path.join(baseDir, lib);
      await mkdir(path.dirname(target), { recursive: true });
      await copyFile(lib, target); // follows symlinks: the image gets the files themselves
    }
    const etc = path.join(baseDir, 'etc');
    await mkdir(etc, { recursive: true });
    await writeFile(
      path.join(etc, 'passwd'),
      `root:x:0:0:root:/root:/sbin/nologin\ngov:x:${IMAGE_UID}:${IMAGE_UID}:gov:/nonexistent:/sbin/nologin\n`,
    );
    await writeFile(path.join(etc, 'group'), `root:x:0:\ngov:x:${IMAGE_UID}:\n`);
    await writeFile(path.join(etc, 'nsswitch.conf'), 'hosts: files dns\n');
  }
  await mkdir(path.join(baseDir, 'tmp'), { recursive: true });
  await chmod(path.join(baseDir, 'tmp'), 0o1777);
}

/** sha256 of every file's path, mode and bytes, plus `extra` (the base): equal digests, equal images. */
export async function contextDigest(dir: string, extra: string): Promise<string> {
  const hash = createHash('sha256').update(extra);
  const walk = async (rel: string): Promise<void> => {
    const entries = (await readdir(path.join(dir, rel), { withFileTypes: true })).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    );
    for (const entry of entries) {
      const file = path.join(rel, entry.name);
      const info = await stat(path.join(dir, file));
      hash.update(`${file}\0${info.mode}\0`);
      if (entry.isDirectory()) await walk(file);
      else hash.update(await readFile(path.join(dir, file)));
    }
  };
  await walk('');
  return hash.digest('hex');
}

/** The context digest an existing image was built from; null when there is no such image. */
async function builtFromDigest(tag: string): Promise<string | null> {
  const label = '{{ index .Labels "gov.context-digest" }}';
  const inspected = await podman(['image', 'inspect', '--format', label, tag]);
  return inspected.code === 0 ? inspected.stdout.trim() : null;
}

export interface ContextBuild {
  /** Holds the Containerfile, base/ and app/. */
  dir: string;
  digest: string;
  tag: string;
  base: string;
  /** `org.opencontainers.image.title`. */
  title: string;
  /** More labels, e.g. the versions of what the image carries. */
  labels?: Record<string, string>;
  /** Keep podman's build output to ourselves (tests); it is still shown on failure. */
  quiet?: boolean;
}

/** Runs `podman build` on an assembled context, unless `tag` was already built from it. */
export async function buildContext(build: ContextBuild): Promise<{ tag: string; built: boolean }> {
  if ((await builtFromDigest(build.tag)) === build.digest) return { tag: build.tag, built: false };
  const labels = {
    'gov.context-digest': build.digest,
    'org.opencontainers.image.title': build.title,
    ...build.labels,
  };
  await podman(
    [
      'build',
      // One layer on top of the base, and no intermediate images to clean up.
      '--layers=false',
      '--build-arg',
      `BASE=${build.base}`,
      ...Object.entries(labels).flatMap(([key, value]) => ['--label', `${key}=${value}`]),
      '--tag',
      build.tag,
      '--file',
      path.join(build.dir, 'Containerfile'),
      build.dir,
    ],
    { inheritOutput: !build.quiet, check: true },
  );
  return { tag: build.tag, built: true };
}

/** What both image builds accept. */
export interface ImageOptions {
  /** Image name; default `<title>:<context digest>`. */
  tag?: string;
  /** The base image; `scratch` needs the host's C libraries (`hostLibs`). */
  base?: string;
  /** Copy the dynamic loader and the libraries the image's binaries link against. */
  hostLibs?: boolean;
  /** Strip the binaries' symbol tables: smaller, no change in behaviour. */
  strip?: boolean;
  contextDir?: string;
  /** Keep podman's build output to ourselves (tests); it is still shown on failure. */
  quiet?: boolean;
}

export interface AssembledContext {
  dir: string;
  /** sha256 of every file's path, mode and bytes, plus the base: equal digests, equal images. */
  digest: string;
}

/**
 * The command line of an image build script (`--tag`, `--base`,
 * `--no-host-libs`, `--no-strip`, `--context-only`), run when `moduleUrl` is
 * the script node was started with.
 */
export function runImageBuildCli(
  moduleUrl: string,
  image: {
    assembleContext(options: ImageOptions): Promise<AssembledContext>;
    buildImage(options: ImageOptions): Promise<{ tag: string; built: boolean }>;
  },
): void {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  const cli = async () => {
    const { values } = parseArgs({
      options: {
        tag: { type: 'string' },
        base: { type: 'string' },
        'no-host-libs': { type: 'boolean' },
        'no-strip': { type: 'boolean' },
        'context-only': { type: 'boolean' },
      },
    });
    const options: ImageOptions = {
      tag: values.tag,
      base: values.base,
      hostLibs: values['no-host-libs'] ? false : undefined,
      strip: !values['no-strip'],
    };
    if (values['context-only']) {
      const context = await image.assembleContext(options);
      process.stdout.write(`${context.dir} (digest ${context.digest})\n`);
      return;
    }
    const { tag, built } = await image.buildImage(options);
    process.stdout.write(`${tag}${built ? '' : ' (unchanged, not rebuilt)'}\n`);
  };
  cli().catch((error: Error) => {
    process.stderr.write(`build: ${error.message}\n`);
    process.exit(1);
  });
}
