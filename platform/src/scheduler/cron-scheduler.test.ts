import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cronRuns } from '../db/schema/index.ts';
import { bundleOf } from '../testing/api-harness.ts';
import { platformHarness } from '../testing/platform-harness.ts';
import { minuteOf, startCronScheduler } from './cron-scheduler.ts';

/**
 * Cron triggers end to end in this process: versions deployed through the
 * API on real workerd, the scheduler of the leading control plane firing
 * them, and a second scheduler on the same database standing for a second
 * control plane that believes it leads too.
 */
const APP = `
let runs = 0;
let last = '';
export default {
  fetch() { return Response.json({ runs, last }); },
  async scheduled(controller, env) {
    if (env.ECHEC === 'oui') throw new Error('le registre ne répond pas');
    runs += 1;
    last = controller.cron + ' @ ' + new Date(controller.scheduledTime).toISOString();
  },
};
`;

let h: Awaited<ReturnType<typeof platformHarness>>;
beforeAll(async () => {
  h = await platformHarness();
}, 120_000);
afterAll(async () => {
  await h?.close();
});

const host = (app: string) => `${app}.sante.localhost`;

describe('cron triggers', () => {
  it('fires the live version at the minutes its schedule names, once even with two schedulers', async () => {
    const deployed = await h.deploy(
      'sante',
      'rappels',
      APP,
      {},
      {
        // Calendar-bound schedules: the platform's own scheduler, which runs too,
        // never meets them at the real time of a test run.
        triggers: { crons: ['30 7 4 12 *', '0 3 1 1 *'] },
      },
    );
    expect(deployed.status).toBe('ready');
    const scheduler = h.platform.cronScheduler;
    if (!scheduler) throw new Error('the leading control plane has no cron scheduler');
    // A second control plane on the same database, as during a failover.
    const rival = startCronScheduler({
      db: h.platform.database.db,
      run: (request) => h.driver.runScheduled(request),
      log: () => {},
      loop: false,
    });
    const friday = new Date('2026-12-04T07:30:00Z');
    await Promise.all([scheduler.tick(friday), rival.tick(friday)]);
    // Not a minute either schedule names: nothing fires.
    await scheduler.tick(new Date('2026-12-05T07:30:00Z'));
    await Promise.all([scheduler.stop(), rival.stop()]);
    const page = await h.citizen(host('rappels'));
    expect(JSON.parse(page.body)).toEqual({
      runs: 1,
      last: '30 7 4 12 * @ 2026-12-04T07:30:00.000Z',
    });
    const runs = await h.call('GET', '/v1/ministries/sante/apps/rappels/crons');
    expect(runs.json).toMatchObject({
      crons: ['30 7 4 12 *', '0 3 1 1 *'],
      liveVersion: deployed.version,
      runs: [
        {
          cron: '30 7 4 12 *',
          trigger: 'schedule',
          scheduledAt: '2026-12-04T07:30:00.000Z',
          outcome: 'ok',
          deploymentId: deployed.id,
        },
      ],
    });
  });

  it('runs a trigger on demand for a developer, and records a failing handler with its message', async () => {
    await h.deploy(
      'sante',
      'relances',
      APP,
      { ECHEC: 'oui' },
      {
        triggers: { crons: ['0 3 1 1 *'] },
      },
    );
    const run = await h.call('POST', '/v1/ministries/sante/apps/relances/crons/run', {});
    expect(run.status).toBe(200);
    expect(run.json).toMatchObject({ cron: '0 3 1 1 *', trigger: 'manual', outcome: 'exception' });
    expect(run.json.message).toMatch(/le registre ne répond pas/);
    const unknown = await h.call('POST', '/v1/ministries/sante/apps/relances/crons/run', {
      cron: '0 4 * * *',
    });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.message).toMatch(/has no trigger "0 4 \* \* \*"/);
    expect(unknown.json.error.hint).toMatch(/its triggers: 0 3 1 1 \*/);
  });

  it('refuses a schedule it cannot read at deploy, naming it', async () => {
    const res = await h.call('POST', '/v1/ministries/sante/apps/rappels/deployments', {
      ...bundleOf(APP),
      triggers: { crons: ['0 25 * * *'] },
    });
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.json.error)).toMatch(/the hour 25 is out of range/);
  });

  it('closes a run whose control plane died under it, at the next tick', async () => {
    const db = h.platform.database.db;
    const [app] = await db.select().from(cronRuns).limit(1);
    await db.insert(cronRuns).values({
      id: 'cron_abandonne',
      appId: app?.appId ?? '',
      deploymentId: app?.deploymentId ?? '',
      cron: '0 3 * * *',
      scheduledAt: new Date(Date.now() - 10 * 60_000),
      trigger: 'schedule',
      startedAt: new Date(Date.now() - 10 * 60_000),
    });
    await h.platform.cronScheduler?.tick(minuteOf(new Date('2026-12-06T12:00:00Z')));
    const [row] = await db.select().from(cronRuns).where(eq(cronRuns.id, 'cron_abandonne'));
    expect(row).toMatchObject({ outcome: 'unavailable' });
    expect(row?.message).toMatch(/control plane stopped while the handler ran/);
  });
});
