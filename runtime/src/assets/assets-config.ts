import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AppAssets } from '@gov/contract';
import { contentTypeOf } from './content-types.ts';

/**
 * The assets worker's source, read the first time a version has assets: a
 * plain JavaScript file beside this one (and beside the bundled entrypoint
 * in the runtime image, which copies it there). Read lazily, so that code
 * bundled without it (the platform's image) never fails for lack of it.
 */
let workerSource: Promise<string> | undefined;
export const assetsWorkerFile = new URL('./assets-worker.js', import.meta.url);
const assetsWorkerSource = () => {
  workerSource ??= readFile(assetsWorkerFile, 'utf8');
  return workerSource;
};

/**
 * Writes the assets worker of one version into `dir/assets` and returns its
 * workerd service: the worker itself, a manifest (path, content type, ETag,
 * size), and each file as a data module embedded from its own file, so no
 * byte of a file is ever spliced into config text.
 */
export async function writeAssetsService(
  assets: AppAssets,
  dir: string,
  writeFile: (file: string, data: string | Uint8Array) => Promise<void>,
): Promise<string> {
  const assetsDir = path.join(dir, 'assets');
  await mkdir(assetsDir, { recursive: true, mode: 0o700 });
  const manifest: {
    files: Record<string, { module: string; contentType: string; etag: string; size: number }>;
    htmlHandling: string;
    notFoundHandling: string;
    runWorkerFirst: boolean | string[];
    headers: AppAssets['headers'];
    redirects: AppAssets['redirects'];
  } = {
    files: {},
    htmlHandling: assets.htmlHandling,
    notFoundHandling: assets.notFoundHandling,
    runWorkerFirst: assets.runWorkerFirst,
    headers: assets.headers ?? [],
    redirects: assets.redirects ?? [],
  };
  const modules: string[] = [];
  const imports: string[] = [];
  for (const [i, file] of assets.files.entries()) {
    const moduleName = `gov-asset/${i}`;
    await writeFile(path.join(assetsDir, `${i}`), file.content);
    modules.push(`(name = ${JSON.stringify(moduleName)}, data = embed "assets/${i}")`);
    imports.push(`import a${i} from './${moduleName}';`);
    manifest.files[file.path] = {
      module: moduleName,
      contentType: contentTypeOf(file.path),
      etag: `"${createHash('sha256').update(file.content).digest('hex').slice(0, 32)}"`,
      size: file.content.byteLength,
    };
  }
  const index = `${imports.join('\n')}\nexport default {${assets.files
    .map((_, i) => `${JSON.stringify(`gov-asset/${i}`)}: a${i}`)
    .join(', ')}};\n`;
  await writeFile(path.join(assetsDir, 'worker.js'), await assetsWorkerSource());
  await writeFile(path.join(assetsDir, 'files.js'), index);
  await writeFile(path.join(assetsDir, 'manifest.json'), JSON.stringify(manifest));
  const all = [
    '(name = "assets-worker.js", esModule = embed "assets/worker.js")',
    '(name = "gov-assets-files.js", esModule = embed "assets/files.js")',
    '(name = "gov-assets-manifest.json", json = embed "assets/manifest.json")',
    ...modules,
  ];
  return `    (name = "assets", worker = (
      modules = [
        ${all.join(',\n        ')}
      ],
      compatibilityDate = "2026-04-01",
      bindings = [(name = "APP", service = "app")],
      globalOutbound = "egress-guard",
    )),
`;
}
