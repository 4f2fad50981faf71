import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BundleInput } from '@gov/contract';
import type { AppConfig } from './app-config.ts';
import { bundleFromOutdir } from './bundle-from-outdir.ts';
import { runWrangler } from './wrangler-run.ts';

export interface BuildResult {
  bundle: BundleInput;
  /** What wrangler printed, for --verbose and failure reports. */
  output: string;
}

/**
 * Builds the app exactly as `wrangler deploy` would, without deploying and
 * without network: `wrangler deploy --dry-run --outdir <tmp>`, then turns
 * the output folder into a bundle the Gov API accepts.
 *
 * @example
 * const config = readAppConfig('templates/demarche');
 * const { bundle } = await buildApp(config);
 * await new GovClient(apiUrl, token).createDeployment('demo', 'demarche', bundle);
 */
export async function buildApp(config: AppConfig): Promise<BuildResult> {
  const { dir } = config;
  const outdir = await mkdtemp(path.join(tmpdir(), 'gov-build-'));
  // wrangler warns about the unknown `gov` section, and that warning runs an
  // update check: hand it the config without the section, written beside the
  // original so that relative paths (main, rules) resolve the same way.
  const cleanConfig = path.join(dir, `.gov-wrangler-${process.pid}.json`);
  await writeFile(cleanConfig, JSON.stringify(config.wrangler));
  try {
    const output = await runWrangler(dir, [
      'deploy',
      '--dry-run',
      '--outdir',
      outdir,
      '--config',
      cleanConfig,
    ]);
    return { bundle: await bundleFromOutdir(outdir, config), output };
  } finally {
    await rm(cleanConfig, { force: true });
    await rm(outdir, { recursive: true, force: true });
  }
}
