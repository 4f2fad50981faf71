import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
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

/** The panel's sign-in as the development provider's operator, up to the dashboard. */
async function signInAsOperator(page: Page) {
  await page.goto(`${platform.apiUrl}/admin`);
  await page.getByRole('link', { name: 'Se connecter' }).click();
  await page.getByLabel('Identifiant').fill('operateur');
  await page.getByLabel('Mot de passe').fill('x');
  await page.getByRole('button', { name: 'Se connecter' }).click();
  await page.getByRole('heading', { name: 'Tableau de bord' }).waitFor();
}

describe.runIf(runBrowserTests)('admin panel in Chromium', () => {
  it('keeps its pages within a phone’s width, with a focus ring that can be seen, and a French page for an unknown address', async () => {
    const context = await browser.newContext({ viewport: { width: 320, height: 640 } });
    const page = await context.newPage();
    await signInAsOperator(page);
    for (const address of ['/admin', '/admin/audit']) {
      await page.goto(`${platform.apiUrl}${address}`);
      // WCAG 1.4.10: no horizontal scrolling at 320 CSS px.
      const width = await page.evaluate('document.documentElement.scrollWidth');
      expect(width, address).toBeLessThanOrEqual(320);
    }
    // WCAG 1.4.11: each focus ring, as the keyboard moves, contrasts 3:1 with what it sits on.
    const luminance = (rgb: string) => {
      const [r, g, b] = (rgb.match(/\d+/g) ?? []).map((c) => {
        const v = Number(c) / 255;
        return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
    };
    const contrast = (a: number, z: number) => (Math.max(a, z) + 0.05) / (Math.min(a, z) + 0.05);
    const seen = new Set<string>();
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab');
      // A string, run in the page: this package's types know no DOM.
      const ring = (await page.evaluate(`(() => {
        const el = document.activeElement;
        const style = getComputedStyle(el);
        // The first ancestor with a background of its own is what the ring is drawn on.
        let under = el.parentElement;
        while (under && getComputedStyle(under).backgroundColor === 'rgba(0, 0, 0, 0)') {
          under = under.parentElement;
        }
        return {
          what: el.tagName + ' ' + (el.textContent || '').trim().slice(0, 30),
          color: style.outlineColor,
          width: style.outlineWidth,
          under: under ? getComputedStyle(under).backgroundColor : 'rgb(255, 255, 255)',
        };
      })()`)) as { what: string; color: string; width: string; under: string };
      seen.add(ring.under);
      expect(ring.width, ring.what).toBe('3px');
      expect(
        contrast(luminance(ring.color), luminance(ring.under)),
        `${ring.what}: ${ring.color} on ${ring.under}`,
      ).toBeGreaterThanOrEqual(3);
    }
    // Both the header's green and the page's white were crossed.
    expect(seen.size).toBeGreaterThan(1);
    const missing = await page.goto(`${platform.apiUrl}/admin/nexiste-pas`);
    expect(missing?.status()).toBe(404);
    await page.getByRole('heading', { name: 'Page introuvable' }).waitFor();
    await context.close();
  });

  it('signs an operator in with code + PKCE and shows every ministry', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInAsOperator(page);
    // An operator creates a ministry from the panel: refused with the reason, then created once.
    await page.getByRole('link', { name: 'Créer un ministère' }).click();
    await page.getByLabel('Nom court').fill('Justice!');
    await page.getByLabel('Nom complet').fill('Ministère de la Justice');
    await page.getByRole('button', { name: 'Créer le ministère' }).click();
    await page
      .getByRole('alert')
      .getByText(/Le nom court s’écrit avec 2 à 40 lettres/)
      .waitFor();
    expect(await page.getByLabel('Nom complet').inputValue()).toBe('Ministère de la Justice');
    await page.getByLabel('Nom court').fill('justice');
    await page.getByRole('button', { name: 'Créer le ministère' }).click();
    await page.getByRole('status').getByText('Le ministère « justice » a été créé').waitFor();
    await page.reload();
    const justice = await api(platform, 'GET', '/v1/ministries/justice');
    expect(justice.json).toMatchObject({ name: 'justice', displayName: 'Ministère de la Justice' });
    await page.getByRole('link', { name: 'Créer un ministère' }).click();
    await page.getByLabel('Nom court').fill('justice');
    await page.getByLabel('Nom complet').fill('Autre');
    await page.getByRole('button', { name: 'Créer le ministère' }).click();
    await page
      .getByRole('alert')
      .getByText(/porte déjà le nom court « justice »/)
      .waitFor();
    await page.goto(`${platform.apiUrl}/admin`);
    const table = page.getByRole('table');
    expect(await table.textContent()).toContain('Ministère de la Justice');
    expect(await table.textContent()).toContain('Ministère de démonstration');
    expect(await table.textContent()).toContain('Ministère de la Santé');
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'gov_session')).toMatchObject({
      httpOnly: true,
      sameSite: 'Lax',
    });
    await page.getByRole('link', { name: 'Journal' }).first().click();
    // Newest first, in French, with names instead of codes.
    const audit = page.getByRole('table');
    expect(await audit.textContent()).toContain('Déploiement d’une version');
    const seqs = (await page.locator('tbody tr td:first-child').allTextContents()).map(Number);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
    await page.screenshot({ path: path.join(tmpdir(), 'gov-admin-audit.png'), fullPage: true });
    // The same entries as a file, and the chain checked from the page.
    const href = await page
      .getByRole('link', { name: 'Exporter ces entrées (CSV)' })
      .getAttribute('href');
    const csv = await page.request.get(`${platform.apiUrl}${href}`);
    expect(csv.headers()['content-type']).toBe('text/csv; charset=utf-8');
    expect(await csv.text()).toContain('"Déploiement d’une version";"deployment.create"');
    await page.getByRole('link', { name: 'Vérifier l’intégrité du journal' }).click();
    await page.getByRole('status').getByText('Le journal est intègre').waitFor();
    await page.goBack();
    // A filter that cannot be applied says which field and how to fix it.
    await page.getByLabel('Du', { exact: true }).fill('2026-12-31');
    await page.getByLabel('Au', { exact: true }).fill('2026-01-01');
    await page.getByRole('button', { name: 'Filtrer' }).click();
    await page.getByRole('alert').getByText('la date de fin précède la date de début').waitFor();

    // A sign-out that does not come from the page changes nothing.
    const forged = await page.request.post(`${platform.apiUrl}/admin/logout`, {
      form: { csrf: 'not-this-session' },
      maxRedirects: 0,
    });
    expect(forged.status()).toBe(403);
    await page.goto(`${platform.apiUrl}/admin`);
    await page.getByRole('heading', { name: 'Tableau de bord' }).waitFor();

    // Signing out ends the provider's session too: signing in asks again.
    await page.getByRole('button', { name: 'Se déconnecter' }).click();
    await page.getByRole('button', { name: 'Se déconnecter' }).click(); // the provider's confirmation
    await page.getByRole('link', { name: 'Se connecter' }).waitFor();
    await page.getByRole('link', { name: 'Se connecter' }).click();
    await page.getByLabel('Identifiant').waitFor();
    const records = await api(platform, 'GET', '/v1/audit?action=session.admin_logout&limit=10');
    expect(records.json.records.map((r: { outcome: string }) => r.outcome).sort()).toEqual([
      'denied',
      'success',
    ]);
    await context.close();
  });
});
