import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { citizenRequest } from '../support/citizen.ts';
import { gov } from '../support/gov-cli.ts';
import {
  api,
  type PlatformProcess,
  repoRoot,
  startPlatformProcess,
} from '../support/platform-process.ts';

/**
 * The first slice end to end, as its users live it: a ministry developer
 * deploys the `demarche` template with the real CLI; a citizen fills the
 * procedure; versions change under load; processes and the control plane
 * die and come back.
 */
let platform: PlatformProcess;
let url = '';
/** The tracking page of the request a citizen sent, kept by the app. */
let trackingPage = '';
const template = path.join(repoRoot, 'templates/demarche');
const deployments: Array<{ deploymentId: string; version: number }> = [];

beforeAll(async () => {
  platform = await startPlatformProcess();
  const res = await api(platform, 'POST', '/v1/ministries', {
    name: 'demo',
    displayName: 'Ministère de démonstration',
  });
  expect(res.status).toBe(201);
}, 60_000);
afterAll(() => platform?.destroy());

async function liveInstance(deploymentId: string) {
  const [pid] = await platform.pidsOf(deploymentId);
  if (pid === undefined) throw new Error(`no process runs ${deploymentId}`);
  return { pid };
}

/** Running, as opposed to gone or a zombie waiting for a parent that will never reap it. */
async function isAlive(pid: number) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  // The state is the field after the parenthesised command name.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return stat !== '' && state !== 'Z' && state !== 'X';
}

describe('gov deploy of the demarche template', () => {
  it('builds, uploads, waits until live and prints only the citizen URL', async () => {
    const result = await gov(['deploy', template, '--ministry', 'demo'], platform.cliEnv);
    expect(result.stderr).not.toMatch(/gov_[A-Za-z0-9_-]{20,}/); // the token is never printed
    expect(result.code, result.stderr).toBe(0);
    url = result.stdout.trim();
    expect(url).toBe(`http://demarche.demo.localhost:${platform.gatewayPort}/`);
    expect(result.stdout).toBe(`${url}\n`);
    expect(result.stderr).toMatch(/build/i);
    const page = await citizenRequest(url);
    expect(page.status).toBe(200);
    expect(page.body).toContain('lang="fr"');
    const app = await api(platform, 'GET', '/v1/ministries/demo/apps/demarche');
    deployments.push({
      deploymentId: String(page.headers['x-gov-deployment']),
      version: app.json.liveVersion,
    });
  });

  it('lets a citizen submit the procedure, keeps it, and sends them to its tracking page', async () => {
    const form = await citizenRequest(new URL('/demande', url).toString());
    expect(form.status).toBe(200);
    expect(form.body).toContain('<form');
    const res = await citizenRequest(new URL('/demande', url).toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(validSubmission()).toString(),
    });
    expect(res.status, res.body).toBe(303);
    const location = String(res.headers.location);
    expect(location).toMatch(/^\/suivi\/EC-\d{4}-[A-Z2-9]{4}-[A-Z2-9]{4}\?nouvelle=1$/);
    trackingPage = new URL(location.replace('?nouvelle=1', ''), url).toString();
    const page = await citizenRequest(trackingPage);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<h1>Suivi de votre demande</h1>');
    expect(page.body).toContain('Reçue');
  });

  it('rejects an invalid submission with French errors, server side', async () => {
    const res = await citizenRequest(new URL('/demande', url).toString(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...validSubmission(), telephone: '12' }).toString(),
    });
    expect(res.status).toBe(422);
    expect(res.body).toContain('lang="fr"');
  });

  it('deploys a second version under load without failing a single request', async () => {
    const statuses: number[] = [];
    const seen = new Set<string>();
    let running = true;
    const loop = async () => {
      while (running) {
        const res = await citizenRequest(url).catch(() => ({
          status: 0,
          headers: {} as Record<string, string>,
        }));
        statuses.push(res.status);
        seen.add(String(res.headers['x-gov-deployment']));
      }
    };
    const loops = [loop(), loop(), loop(), loop()];
    const result = await gov(['deploy', template, '--ministry', 'demo', '--json'], platform.cliEnv);
    // Keep the load on a little after the switch.
    await new Promise((r) => setTimeout(r, 300));
    running = false;
    await Promise.all(loops);
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout);
    expect(out).toMatchObject({ version: 2, url, deploymentId: expect.stringMatching(/^dep_/) });
    expect(out.durationMs).toBeGreaterThan(0);
    deployments.push({ deploymentId: out.deploymentId, version: 2 });
    expect(statuses.length).toBeGreaterThan(20);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(seen).toEqual(new Set(deployments.map((d) => d.deploymentId)));
  });

  it('refuses a version that throws at start, exits non-zero with the reason, and keeps the old one', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gov-broken-'));
    try {
      await writeFile(
        path.join(dir, 'wrangler.jsonc'),
        JSON.stringify({
          name: 'demarche',
          main: 'index.js',
          compatibility_date: '2026-04-01',
          gov: { ministry: 'demo' },
        }),
      );
      await writeFile(
        path.join(dir, 'index.js'),
        `throw new Error("registre d'état civil injoignable");\nexport default { fetch() { return new Response('jamais'); } };\n`,
      );
      const result = await gov(['deploy', dir], platform.cliEnv);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain("registre d'état civil injoignable");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const res = await citizenRequest(url);
    expect(res.status).toBe(200);
    expect(res.headers['x-gov-deployment']).toBe(deployments[1]?.deploymentId);
    const app = await api(platform, 'GET', '/v1/ministries/demo/apps/demarche');
    expect(app.json).toMatchObject({ desiredVersion: 3, liveVersion: 2 });
  });

  it('brings the app back when its workerd process is killed', async () => {
    const live = deployments[1]?.deploymentId ?? '';
    const before = await liveInstance(live);
    process.kill(before.pid, 'SIGKILL');
    await expect
      .poll(async () => (await citizenRequest(url).catch(() => ({ status: 0 }))).status, {
        timeout: 15_000,
      })
      .toBe(200);
    await expect
      .poll(async () => (await liveInstance(live)).pid, { timeout: 5_000 })
      .not.toBe(before.pid);
  });

  it('keeps serving, with its state intact, across a restart of the whole platform', async () => {
    const shape = (json: {
      deployments: Array<{ version: number; status: string; live: boolean }>;
    }) => json.deployments.map((d) => [d.version, d.status, d.live]);
    const list = async () =>
      shape((await api(platform, 'GET', '/v1/ministries/demo/apps/demarche/deployments')).json);
    // Settled first: the previous test killed the live process, which just came back.
    await expect
      .poll(async () => (await list()).some(([, status]) => status === 'degraded'), {
        timeout: 10_000,
      })
      .toBe(false);
    const before = await list();
    platform = await platform.restart();
    const res = await citizenRequest(url);
    expect(res.status).toBe(200);
    // The citizen's request, kept in the app's KV namespace, is still there.
    expect((await citizenRequest(trackingPage)).body).toContain('Suivi de votre demande');
    expect(res.headers['x-gov-deployment']).toBe(deployments[1]?.deploymentId);
    // The live version says "degraded" while its process starts again, then "ready".
    await expect.poll(list, { timeout: 10_000 }).toEqual(before);
  });

  it('adopts running apps across a control plane killed outright: no app restarts', async () => {
    const live = deployments[1]?.deploymentId ?? '';
    const before = await liveInstance(live);
    await platform.restartControlPlane('SIGKILL');
    expect(await liveInstance(live)).toEqual(before);
    expect((await citizenRequest(url)).status).toBe(200);
  });

  it('leaves no stray process when the whole platform is killed outright', async () => {
    const live = deployments[1]?.deploymentId ?? '';
    const app = await liveInstance(live);
    const { controlPlane, gateway } = await platform.processes();
    await platform.stop('SIGKILL');
    // Every process dies with the launcher: apps by their parent-death signal,
    // control plane and gateway when their channel to it closes.
    for (const pid of [app.pid, controlPlane, gateway]) {
      await expect.poll(() => isAlive(pid), { timeout: 10_000 }).toBe(false);
    }
    platform = await platform.restart();
    expect((await citizenRequest(url)).status).toBe(200);
  });

  it('rolls back to the first version with gov rollback and lists versions', async () => {
    const result = await gov(['rollback', 'demarche', '1', '--ministry', 'demo'], platform.cliEnv);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(url);
    expect((await citizenRequest(url)).headers['x-gov-deployment']).toBe(
      deployments[0]?.deploymentId,
    );
    const list = await gov(
      ['deployments', 'list', 'demarche', '--ministry', 'demo', '--json'],
      platform.cliEnv,
    );
    expect(list.code, list.stderr).toBe(0);
    const versions = JSON.parse(list.stdout);
    const rows = Array.isArray(versions) ? versions : versions.deployments;
    expect(rows.map((d: { version: number; status: string }) => [d.version, d.status])).toEqual([
      [3, 'failed'],
      [2, 'stopped'],
      [1, 'ready'],
    ]);
    const apps = await gov(['apps', 'list', '--ministry', 'demo'], platform.cliEnv);
    expect(apps.code, apps.stderr).toBe(0);
    expect(apps.stdout).toContain('demarche');
  });
});

/** A complete, valid request for a birth certificate extract. */
function validSubmission(): Record<string, string> {
  return {
    nom: 'Traoré',
    prenoms: 'Aminata',
    date_naissance: '1990-05-12',
    lieu_naissance: 'Bamako',
    type_extrait: 'integral',
    nombre_copies: '2',
    telephone: '+223 76 12 34 56',
    mode_retrait: 'mairie',
    consentement: 'on',
  };
}
