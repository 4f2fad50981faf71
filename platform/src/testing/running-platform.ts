import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig, type PlatformConfig } from '../config.ts';
import { createScratchDatabase } from '../db/test-database.ts';
import { type RunningPlatform, startPlatform } from '../platform.ts';

/**
 * The whole platform in this process on loopback ports the OS picks, with
 * the development identity provider, on PGlite or a scratch PostgreSQL
 * database when DATABASE_URL is set.
 */
export async function runningPlatform(tune: (c: PlatformConfig) => PlatformConfig = (c) => c) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'gov-platform-'));
  const scratch = process.env.DATABASE_URL
    ? await createScratchDatabase(process.env.DATABASE_URL)
    : undefined;
  const config = loadConfig({
    // Fast enough for tests, still the real mechanism.
    GOV_RESYNC_INTERVAL_MS: '5000',
    GOV_DATA_DIR: dataDir,
    GOV_API_PORT: '0',
    GOV_GATEWAY_PORT: '0',
    GOV_DEV_IDP_PORT: '0',
    ...(scratch ? { DATABASE_URL: scratch.url } : {}),
  });
  // Everything the platform logs, so tests can check what it writes (never a token).
  const logs: string[] = [];
  const platform: RunningPlatform = await startPlatform(tune(config), (entry) =>
    logs.push(JSON.stringify(entry)),
  );
  return {
    platform,
    logs,
    async close() {
      await platform.stop();
      await scratch?.drop();
      // A last write of a stopped part (a route cache, a log line) may land during the removal.
      await rm(dataDir, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}
