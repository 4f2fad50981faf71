import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
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
 * `gov logs`, as `wrangler tail` is used: an app's console output, its
 * uncaught exceptions and the requests citizens made, through the real CLI
 * against a running platform, never mixed between apps.
 */
let platform: PlatformProcess;
const dirs: string[] = [];
let journal = '';

const APP = `export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === '/plantage') throw new Error('registre injoignable');
    if (url.pathname === '/erreur') console.error('échec de la vérification', url.pathname);
    else console.log('demande reçue', url.pathname);
    return new Response('ok');
  },
};
`;

async function deploy(name: string, ministry: string) {
  const dir = await mkdtemp(path.join(tmpdir(), `${name}-`));
  dirs.push(dir);
  await writeFile(
    path.join(dir, 'wrangler.toml'),
    `name = "${name}"\nmain = "index.js"\ncompatibility_date = "2026-04-01"\n\n[gov]\nministry = "${ministry}"\n`,
  );
  await writeFile(path.join(dir, 'index.js'), APP);
  const result = await gov(['deploy'], platform.cliEnv, dir);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.trim();
}

// biome-ignore lint/suspicious/noExplicitAny: tests read log lines as JSON.
const jsonLines = (text: string): any[] =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

beforeAll(async () => {
  platform = await startPlatformProcess();
  for (const [name, displayName] of [
    ['sante', 'Ministère de la Santé'],
    ['justice', 'Ministère de la Justice'],
  ]) {
    await api(platform, 'POST', '/v1/ministries', { name, displayName });
  }
  journal = await deploy('journal', 'sante');
}, 120_000);

afterAll(async () => {
  await platform?.destroy();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('gov logs', () => {
  it('shows what the app printed, its uncaught exceptions and each request, without query strings', async () => {
    const ok = await citizenRequest(new URL('/bonjour?nom=Aminata', journal).toString());
    await citizenRequest(new URL('/erreur', journal).toString());
    const crash = await citizenRequest(new URL('/plantage', journal).toString());
    expect(crash.status).toBe(500);
    const read = async () =>
      jsonLines(
        (
          await gov(
            ['logs', 'journal', '--ministry', 'sante', '--since', '5m', '--json'],
            platform.cliEnv,
          )
        ).stdout,
      );
    await expect
      .poll(async () => (await read()).filter((l) => l.kind === 'request').length, {
        timeout: 10_000,
      })
      .toBeGreaterThanOrEqual(3);
    const lines = await read();
    expect(lines).toContainEqual(
      expect.objectContaining({
        kind: 'console',
        stream: 'stdout',
        message: 'demande reçue /bonjour',
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        kind: 'console',
        stream: 'stderr',
        message: 'échec de la vérification /erreur',
      }),
    );
    expect(
      lines.some((l) => l.kind === 'exception' && /registre injoignable/.test(l.message)),
    ).toBe(true);
    const request = lines.find((l) => l.kind === 'request' && l.request.path === '/bonjour');
    expect(request.request).toMatchObject({
      method: 'GET',
      status: 200,
      requestId: ok.headers['x-request-id'],
      durationMs: expect.any(Number),
    });
    // The citizen's name in the query string is kept nowhere.
    expect(JSON.stringify(lines)).not.toContain('Aminata');
    const text = await gov(
      ['logs', 'journal', '--ministry', 'sante', '--since', '5m'],
      platform.cliEnv,
    );
    expect(text.stdout).toMatch(
      /^\d{4}-\d{2}-\d{2} [\d:.]+ {2}dep_\w+ {2}GET \/plantage 500 \d+ ms {2}req_\w+$/m,
    );
  });

  it('follows new lines as they come', async () => {
    const child = spawn(
      process.execPath,
      [
        path.join(repoRoot, 'sdk/bin/gov.js'),
        'logs',
        'journal',
        '--ministry',
        'sante',
        '--follow',
        '--since',
        '1s',
      ],
      { env: platform.cliEnv, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
    try {
      await expect.poll(() => err, { timeout: 10_000 }).toMatch(/Following the logs of journal/);
      await citizenRequest(new URL('/suivi-en-direct', journal).toString());
      await expect
        .poll(() => out, { timeout: 10_000 })
        .toMatch(/stdout: demande reçue \/suivi-en-direct/);
      await expect.poll(() => out, { timeout: 10_000 }).toMatch(/GET \/suivi-en-direct 200/);
    } finally {
      child.kill('SIGINT');
    }
  });

  it('never mixes apps: another app, in its ministry or another, has only its own lines', async () => {
    const autre = await deploy('autre', 'justice');
    await citizenRequest(new URL('/propre', autre).toString());
    const read = async () =>
      jsonLines(
        (
          await gov(
            ['logs', 'autre', '--ministry', 'justice', '--since', '5m', '--json'],
            platform.cliEnv,
          )
        ).stdout,
      );
    await expect.poll(async () => (await read()).length, { timeout: 10_000 }).toBeGreaterThan(0);
    const lines = await read();
    expect(lines.every((l) => !/bonjour|plantage|erreur/.test(JSON.stringify(l)))).toBe(true);
    // A member of justice cannot read the logs of an app of sante.
    const token = await api(platform, 'POST', '/v1/ministries/justice/tokens', {
      label: 'lecture',
      role: 'auditor',
    });
    const denied = await gov(['logs', 'journal', '--ministry', 'sante'], {
      ...platform.cliEnv,
      GOV_TOKEN: token.json.token,
    });
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/not found/);
  });

  it('refuses a --since it cannot read, saying what it takes', async () => {
    const bad = await gov(
      ['logs', 'journal', '--ministry', 'sante', '--since', 'hier'],
      platform.cliEnv,
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--since "hier" is not a duration or an instant/);
  });
});
