import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Browser scenarios run wherever Chromium is installed, and always in CI
 * (.ci/run installs it; a missing browser there fails loudly). On a
 * developer machine without it they are skipped with a notice, so that
 * `npm install && npm test` passes with only Node and npm.
 */
export const runBrowserTests = existsSync(CHROMIUM_PATH) || process.env.CI === 'true';
if (!runBrowserTests) {
  process.stderr.write(
    `note: ${CHROMIUM_PATH} not found: skipping browser scenarios (install Debian's chromium package to run them)\n`,
  );
}

/**
 * Debian's Chromium, never a downloaded one. The flags keep it from calling
 * any outside service; .ci/run installs the package when it is missing.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `${CHROMIUM_PATH} is missing: install Debian's chromium package (.ci/run does)`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
