import { errorStatus } from '@gov/contract';
import { eq } from 'drizzle-orm';
import { members, ministries } from '../../db/schema/index.ts';
import { type DevProvider, startDevProvider } from '../../identity/dev-provider.ts';
import { StaffIdentity } from '../../identity/staff-identity.ts';
import { newId } from '../../ids.ts';
import { allRoutes } from '../../routes/index.ts';
import { type ApiHarness, apiHarness, bundleOf, TEST_INTERNAL_SECRET } from '../api-harness.ts';
import { roleToken } from '../principals.ts';
import { Dice } from './dice.ts';
import { type FuzzPrincipals, type FuzzRequest, RequestGenerator } from './requests.ts';

/**
 * The seeded fuzz of the whole API, shared by its test (which asserts) and
 * the scorecard (which prints the figures): the API in-process on the test
 * database, with the development OpenID Provider so the /v1/auth routes are
 * reached past "sign-in is not configured".
 */

/** Every so many requests the fixtures the fuzz deleted are put back. */
const REFRESH_EVERY = 500;

export interface Answered extends FuzzRequest {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: the fuzz reads whatever came back.
  json: any;
}

export interface FuzzSession {
  api: ApiHarness;
  /** What the API logged for a request id that failed: the stack a report shows. */
  loggedError(requestId: string): string | undefined;
  run(options: { seed: number; requests: number }): Promise<FuzzResult>;
  close(): Promise<void>;
}

export interface FuzzResult {
  seed: number;
  requests: number;
  seconds: number;
  cpuSeconds: number;
  statuses: Map<number, number>;
  /** Per route: how often each status came back, and the milliseconds spent ('ms'). */
  byRoute: Map<string, Map<number | 'ms', number>>;
  serverErrors: Answered[];
  /** 4xx answers outside the error envelope. */
  badEnvelopes: Answered[];
}

export async function openFuzzSession(): Promise<FuzzSession> {
  const logged = new Map<string, string>();
  const adminRedirectUri = 'http://127.0.0.1/admin/callback';
  const provider: DevProvider = await startDevProvider({
    host: '127.0.0.1',
    port: 0,
    adminRedirectUri,
  });
  let api: ApiHarness | undefined;
  try {
    const identity = await StaffIdentity.discover({
      issuer: provider.issuer,
      admin: provider.admin,
      cliClientId: provider.cliClientId,
      adminRedirectUri,
    });
    const log = (entry: Record<string, unknown>) => {
      if (entry.level !== 'error') return;
      logged.set(String(entry.requestId), `${entry.message}\n${entry.stack ?? ''}`);
    };
    api = await apiHarness({}, { identity, log });
    const harness = api;
    await ensureFixtures(harness);
    const principals = await fuzzPrincipals(harness, provider.issuer);
    return {
      api: harness,
      loggedError: (requestId) => logged.get(requestId),
      run: (options) => runFuzz(harness, principals, options),
      close: async () => {
        await harness.close();
        await provider.close();
      },
    };
  } catch (error) {
    await api?.close();
    await provider.close();
    throw error;
  }
}

async function fuzzPrincipals(api: ApiHarness, issuer: string): Promise<FuzzPrincipals> {
  const db = api.database.db;
  const id = async (name: string) =>
    (await db.select().from(ministries).where(eq(ministries.name, name)))[0]?.id ?? '';
  const sante = await id('sante');
  const memberId = newId('member');
  await db.insert(members).values({
    id: memberId,
    issuer,
    subject: 'agent',
    email: 'agent@sante.gov.ml',
    displayName: 'Agent',
  });
  const role = async (ministry: string, r: 'auditor' | 'developer' | 'admin', name: string) => ({
    name,
    authorization: `Bearer ${await roleToken(db, ministry, r)}`,
  });
  return {
    operator: { name: 'operator', authorization: `Bearer ${api.operatorToken}` },
    auditor: await role(sante, 'auditor', 'auditor of sante'),
    developer: await role(sante, 'developer', 'developer of sante'),
    admin: await role(sante, 'admin', 'admin of sante'),
    otherAdmin: await role(await id('justice'), 'admin', 'admin of justice'),
    internalSecret: TEST_INTERNAL_SECRET,
    memberId,
  };
}

/**
 * The ministries, apps and versions the fuzz names, put back when the fuzz
 * deleted them (and generous quotas), so requests keep reaching deep
 * handlers instead of stopping at "not found". Idempotent.
 */
async function ensureFixtures(
  api: ApiHarness,
  harvest: (json: unknown) => void = () => {},
): Promise<void> {
  // biome-ignore lint/suspicious/noExplicitAny: the harness answers arbitrary JSON.
  const ok = (res: { status: number; json: any }) => {
    if (res.status >= 500) throw new Error(`fixture request failed: ${JSON.stringify(res.json)}`);
    return res;
  };
  for (const name of ['sante', 'justice']) {
    ok(await api.request('POST', '/v1/ministries', { body: { name, displayName: name } }));
    ok(
      await api.request('PATCH', `/v1/ministries/${name}/quota`, {
        body: { maxApps: 20, maxDeploymentsPerDay: 100_000, maxMemoryMibPerApp: 4096 },
      }),
    );
  }
  for (const app of ['vaccins', 'registre']) {
    ok(await api.request('POST', '/v1/ministries/sante/apps', { body: { name: app } }));
  }
  const path = '/v1/ministries/sante/apps/vaccins/deployments';
  const versions = ok(await api.request('GET', path));
  harvest(versions.json);
  for (let i = versions.json?.deployments?.length ?? 0; i < 2; i++) {
    const body = bundleOf(`export default { fetch() { return new Response('v${i}'); } }`);
    harvest(ok(await api.request('POST', path, { body })).json);
  }
}

function isEnvelope(status: number, json: Answered['json']): boolean {
  const error = json?.error;
  return (
    typeof error?.code === 'string' &&
    errorStatus[error.code as keyof typeof errorStatus] === status &&
    typeof error.message === 'string' &&
    typeof error.requestId === 'string'
  );
}

async function runFuzz(
  api: ApiHarness,
  principals: FuzzPrincipals,
  { seed, requests }: { seed: number; requests: number },
): Promise<FuzzResult> {
  const generator = new RequestGenerator(
    new Dice(seed),
    allRoutes({ isReady: () => true }),
    principals,
  );
  const harvest = (json: unknown) => generator.harvest(json);
  await ensureFixtures(api, harvest);
  const result: FuzzResult = {
    seed,
    requests,
    seconds: 0,
    cpuSeconds: 0,
    statuses: new Map(),
    byRoute: new Map(),
    serverErrors: [],
    badEnvelopes: [],
  };
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < requests; i++) {
    if (i % REFRESH_EVERY === REFRESH_EVERY - 1) await ensureFixtures(api, harvest);
    const sent = generator.next(i);
    const sentAt = performance.now();
    const res = await api.request(sent.method, sent.path, {
      token: null,
      headers: sent.headers,
      rawBody: sent.body,
    });
    const answered = { ...sent, status: res.status, json: res.json };
    result.statuses.set(res.status, (result.statuses.get(res.status) ?? 0) + 1);
    const counts = result.byRoute.get(sent.route) ?? new Map<number | 'ms', number>();
    counts.set(res.status, (counts.get(res.status) ?? 0) + 1);
    counts.set('ms', Math.round((counts.get('ms') ?? 0) + performance.now() - sentAt));
    result.byRoute.set(sent.route, counts);
    if (res.status >= 500) result.serverErrors.push(answered);
    else if (res.status >= 400 && sent.method !== 'HEAD' && !isEnvelope(res.status, res.json)) {
      result.badEnvelopes.push(answered);
    } else if (res.status < 300) harvest(res.json);
  }
  result.seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  result.cpuSeconds = (used.user + used.system) / 1e6;
  return result;
}
