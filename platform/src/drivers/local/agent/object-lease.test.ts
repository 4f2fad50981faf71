import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleOf } from '../../../testing/api-harness.ts';
import { platformHarness } from '../../../testing/platform-harness.ts';

/**
 * Durable Objects of an app through deploys, rollbacks and a failed
 * version, on real workerd: their state belongs to the app, and no two
 * processes ever hold it at once.
 */
const APP = (label: string, broken = false) => `
import { DurableObject } from 'cloudflare:workers';
${broken ? "throw new Error('version cassée');" : ''}
export class Compteur extends DurableObject {
  async fetch() {
    this.ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS passages (at INTEGER)');
    this.ctx.storage.sql.exec('INSERT INTO passages VALUES (?)', Date.now());
    return new Response(${JSON.stringify(label)} + ':' + this.ctx.storage.sql.exec('SELECT count(*) AS n FROM passages').one().n);
  }
}
export default {
  fetch(request, env) {
    return env.COMPTEUR.get(env.COMPTEUR.idFromName('guichet-1')).fetch(request);
  },
};
`;
const objects = { durableObjects: [{ name: 'COMPTEUR', className: 'Compteur', sql: true }] };

let h: Awaited<ReturnType<typeof platformHarness>>;
beforeAll(async () => {
  h = await platformHarness();
}, 120_000);
afterAll(async () => {
  await h?.close();
});

const visit = async () => (await h.citizen('file.sante.localhost')).body;

describe('Durable Objects on the embedded default', () => {
  it('keep their state through a new version, with one process holding them at a time', async () => {
    const v1 = await h.deploy('sante', 'file', APP('v1'), {}, objects);
    expect(v1.status).toBe('ready');
    expect(await visit()).toBe('v1:1');
    expect(await visit()).toBe('v1:2');
    const v2 = await h.deploy('sante', 'file', APP('v2'), {}, objects);
    expect(v2.status).toBe('ready');
    expect(await visit()).toBe('v2:3');
    // The old version handed the objects over: it runs no process any more.
    expect(await h.driver.pidsOf(v1.id)).toEqual([]);
    expect((await h.driver.pidsOf(v2.id)).length).toBe(1);
  });

  it('go back with a rollback, and stay with the version serving when a new one cannot start', async () => {
    const back = await h.call('POST', '/v1/ministries/sante/apps/file/rollback', { version: 1 });
    expect(back.status).toBe(202);
    const deadline = Date.now() + 30_000;
    while (h.platform.gateway.table.lookup('sante', 'file')?.liveDeploymentId !== back.json.id) {
      if (Date.now() > deadline)
        throw new Error(`version 1 never went live: ${JSON.stringify(back.json)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await visit()).toBe('v1:4');
    const broken = await h.deploy('sante', 'file', APP('v3', true), {}, objects);
    expect(broken.status).toBe('failed');
    // The failed version released the objects: the live one answers, state intact.
    expect(await visit()).toBe('v1:5');
  });

  it('are refused with more than one instance, each object living in exactly one place', async () => {
    const res = await h.call(
      'POST',
      '/v1/ministries/sante/apps/file/deployments',
      bundleOf(APP('v4'), { ...objects, limits: { instances: 2 } }),
    );
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.json.error)).toMatch(/runs as one instance/);
  });
});
