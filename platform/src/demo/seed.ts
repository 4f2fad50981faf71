import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { and, eq } from 'drizzle-orm';
import { apps, ministries, quotas } from '../db/schema/index.ts';
import { seedTestAccounts } from '../identity/dev-accounts.ts';
import { newId } from '../ids.ts';
import type { Logger, RunningPlatform } from '../platform.ts';
import { ministryByName } from '../routes/lookup.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const DEMO_MINISTRY = { name: 'demo', displayName: 'Ministère de démonstration' };
export const DEMO_APP = 'demarche';

/**
 * The embedded default shows a working service at once: a demo ministry and
 * the `demarche` template, deployed through the real `gov deploy` exactly as
 * a ministry developer would. Skipped when it already serves (restarts).
 */
export async function seedDemo(
  platform: RunningPlatform,
  log: Logger,
): Promise<string | undefined> {
  const { db } = platform.database;
  let ministry = await ministryByName(db, DEMO_MINISTRY.name);
  if (!ministry) {
    [ministry] = await db
      .insert(ministries)
      .values({ id: newId('ministry'), ...DEMO_MINISTRY })
      .returning();
  }
  if (!ministry) throw new Error('could not create the demo ministry');
  await db.insert(quotas).values({ ministryId: ministry.id }).onConflictDoNothing();
  // The test accounts' demo roles need the demo ministry to exist.
  if (platform.devProvider) await seedTestAccounts(db, platform.devProvider.issuer);
  const [app] = await db
    .select()
    .from(apps)
    .where(and(eq(apps.ministryId, ministry.id), eq(apps.name, DEMO_APP)));
  if (app?.liveDeploymentId) return undefined;

  const token = (await readFile(platform.bootstrapTokenFile, 'utf8')).trim();
  const cli = path.join(repoRoot, 'sdk/bin/gov.js');
  const template = path.join(repoRoot, 'templates', DEMO_APP);
  log({ level: 'info', message: `deploying the ${DEMO_APP} template with gov deploy` });
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [cli, 'deploy', template, '--ministry', DEMO_MINISTRY.name],
      {
        env: { ...process.env, GOV_API_URL: platform.apiUrl, GOV_TOKEN: token },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(out.trim())
        : reject(new Error(`gov deploy of the demo failed (exit ${code}); see its output above`)),
    );
  });
}
