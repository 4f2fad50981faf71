import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from '../db/database.ts';
import { ministries, quotas } from '../db/schema/index.ts';
import { newId } from '../ids.ts';
import { ministryByName } from '../routes/lookup.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const DEMO_MINISTRY = { name: 'demo', displayName: 'Ministère de démonstration' };
export const DEMO_APP = 'demarche';

/**
 * The demo ministry and its quota, created by the control plane before it
 * seeds the development accounts (whose demo roles need the ministry).
 */
export async function ensureDemoMinistry(db: Database): Promise<void> {
  let ministry = await ministryByName(db, DEMO_MINISTRY.name);
  if (!ministry) {
    [ministry] = await db
      .insert(ministries)
      .values({ id: newId('ministry'), ...DEMO_MINISTRY })
      .onConflictDoNothing()
      .returning();
    ministry ??= await ministryByName(db, DEMO_MINISTRY.name);
  }
  if (!ministry) throw new Error('could not create the demo ministry');
  await db.insert(quotas).values({ ministryId: ministry.id }).onConflictDoNothing();
}

/**
 * The embedded default shows a working service at once: the `demarche`
 * template deployed through the real `gov deploy`, exactly as a ministry
 * developer would. Skipped when it already serves (restarts).
 */
export async function deployDemo(
  apiUrl: string,
  token: string,
  log: (entry: Record<string, unknown>) => void,
): Promise<void> {
  const res = await fetch(`${apiUrl}/v1/ministries/${DEMO_MINISTRY.name}/apps/${DEMO_APP}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const app = res.ok ? ((await res.json()) as { liveVersion: number | null }) : undefined;
  if (app?.liveVersion) return;

  const cli = path.join(repoRoot, 'sdk/bin/gov.js');
  const template = path.join(repoRoot, 'templates', DEMO_APP);
  log({ level: 'info', message: `deploying the ${DEMO_APP} template with gov deploy` });
  await new Promise<void>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [cli, 'deploy', template, '--ministry', DEMO_MINISTRY.name],
      {
        env: { ...process.env, GOV_API_URL: apiUrl, GOV_TOKEN: token },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`gov deploy of the demo failed (exit ${code}); see its output above`)),
    );
  });
}
