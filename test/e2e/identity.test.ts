import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, runBrowserTests } from '../support/chromium.ts';
import { gov } from '../support/gov-cli.ts';
import {
  api,
  type PlatformProcess,
  repoRoot,
  startPlatformProcess,
} from '../support/platform-process.ts';

/**
 * Staff identity end to end: `gov login` with the device flow, confirmed in
 * a real Chromium at the development provider, then what each role may do;
 * and the admin panel signed in through the browser.
 */
let platform: PlatformProcess;
let browser: Browser;
const homes: Record<string, string> = {};
const template = path.join(repoRoot, 'templates/demarche');

beforeAll(async () => {
  if (!runBrowserTests) return;
  platform = await startPlatformProcess();
  browser = await launchChromium();
  for (const [name, displayName] of [
    ['demo', 'Ministère de démonstration'],
    ['sante', 'Ministère de la Santé'],
  ]) {
    expect((await api(platform, 'POST', '/v1/ministries', { name, displayName })).status).toBe(201);
  }
  for (const [email, role] of [
    ['developpeur@demo.gov.ml', 'developer'],
    ['auditeur@demo.gov.ml', 'auditor'],
  ]) {
    expect(
      (await api(platform, 'PUT', '/v1/ministries/demo/members', { email, role })).status,
    ).toBe(200);
  }
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await platform?.destroy();
  await Promise.all(Object.values(homes).map((h) => rm(h, { recursive: true, force: true })));
});

/** The environment of a person at their own terminal: no platform token, their own config dir. */
function personEnv(account: string): NodeJS.ProcessEnv {
  const { GOV_TOKEN: _t, GOV_DATA_DIR: _d, ...rest } = platform.cliEnv;
  return { ...rest, XDG_CONFIG_HOME: homes[account] };
}

/** Runs `gov login` and confirms its code in Chromium as `account`. */
async function login(account: string) {
  homes[account] = await mkdtemp(path.join(tmpdir(), `gov-home-${account}-`));
  const child: ChildProcess = spawn(
    process.execPath,
    [path.join(repoRoot, 'sdk/bin/gov.js'), 'login'],
    {
      env: personEnv(account),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on('data', (c: Buffer) => {
      stderr += c.toString();
      const m = /open (\S+)/.exec(stderr);
      if (m?.[1]) resolve(m[1]);
    });
    child.on('exit', () => reject(new Error(`gov login exited early: ${stderr}`)));
  });
  expect(new URL(url).origin).toBe(new URL(platform.issuer).origin);
  const page = await browser.newPage();
  await page.goto(url);
  expect(await page.locator('html').getAttribute('lang')).toBe('fr');
  await page.getByRole('button', { name: 'Confirmer' }).click();
  await page.getByLabel('Identifiant').fill(account);
  await page.getByLabel('Mot de passe').fill('peu importe');
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByText('Terminal connecté').waitFor();
  await page.close();
  expect(await exited, stderr).toBe(0);
  return stderr;
}

describe.runIf(runBrowserTests)('gov login (device flow) and roles', () => {
  it('signs a developer in and keeps the token in a file only they can read', async () => {
    const out = await login('developpeur');
    expect(out).toMatch(/Signed in as Moussa Keïta: developer in min_/);
    const file = path.join(homes.developpeur ?? '', 'gov', 'credentials.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('lets the developer deploy in their ministry', async () => {
    const res = await gov(['deploy', template, '--ministry', 'demo'], personEnv('developpeur'));
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout.trim()).toBe(`http://demarche.demo.localhost:${platform.gatewayPort}/`);
  });

  it('refuses the developer in another ministry, as if it did not exist', async () => {
    const res = await gov(['deploy', template, '--ministry', 'sante'], personEnv('developpeur'));
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('ministry "sante" was not found');
  });

  it('refuses to let an auditor deploy, and says which role is needed', async () => {
    await login('auditeur');
    const res = await gov(['deploy', template, '--ministry', 'demo'], personEnv('auditeur'));
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(
      'your role in ministry "demo" is auditor; this needs developer or higher',
    );
    const list = await gov(
      ['deployments', 'list', 'demarche', '--ministry', 'demo'],
      personEnv('auditeur'),
    );
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain('live');
  });

  it('verifies the audit log: recomputed by an operator, checked by the server for an auditor', async () => {
    const operator = await gov(['audit', 'verify'], platform.cliEnv);
    expect(operator.code, operator.stderr).toBe(0);
    expect(operator.stdout).toMatch(
      /audit log intact: \d+ records, head [0-9a-f]{64} \(recomputed locally\)/,
    );
    const auditor = await gov(['audit', 'verify'], personEnv('auditeur'));
    expect(auditor.code, auditor.stderr).toBe(0);
    expect(auditor.stdout).toContain('checked by the server');
  });
});

describe.runIf(runBrowserTests)('logs', () => {
  it('never contain a token, even after logins, token exchanges and deploys', () => {
    expect(platform.output()).not.toMatch(/gov_[A-Za-z0-9_-]{43}/);
    expect(platform.output()).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
  });
});

describe.runIf(runBrowserTests)('admin panel in Chromium', () => {
  it('signs an operator in with code + PKCE and shows every ministry', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${platform.apiUrl}/admin`);
    await page.getByRole('link', { name: 'Se connecter' }).click();
    await page.getByLabel('Identifiant').fill('operateur');
    await page.getByLabel('Mot de passe').fill('x');
    await page.getByRole('button', { name: 'Se connecter' }).click();
    await page.getByRole('heading', { name: 'Tableau de bord' }).waitFor();
    const table = page.getByRole('table');
    expect(await table.textContent()).toContain('Ministère de démonstration');
    expect(await table.textContent()).toContain('Ministère de la Santé');
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'gov_session')).toMatchObject({
      httpOnly: true,
      sameSite: 'Lax',
    });
    await page.getByRole('link', { name: 'Journal' }).first().click();
    expect(await page.getByRole('table').textContent()).toContain('deployment.create');
    await page.screenshot({ path: path.join(tmpdir(), 'gov-admin-audit.png'), fullPage: true });
    await page.goto(`${platform.apiUrl}/admin`);
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.getByRole('link', { name: 'Se connecter' }).waitFor();
    await context.close();
  });
});
