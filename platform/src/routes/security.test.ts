import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiTokens,
  appSecrets,
  apps,
  auditLog,
  deployments,
  ministries,
  quotas,
} from '../db/schema/index.ts';
import { type ApiHarness, apiHarness, bundleOf } from '../testing/api-harness.ts';
import { roleToken } from '../testing/principals.ts';
import { allRoutes } from './index.ts';

/**
 * The four security cases for every route the API has, read from the
 * route list itself: a route added later is covered without editing this.
 */
let api: ApiHarness;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  api = await apiHarness();
  await api.request('POST', '/v1/ministries', { body: { name: 'sante', displayName: 'Santé' } });
  await api.request('POST', '/v1/ministries', {
    body: { name: 'justice', displayName: 'Justice' },
  });
  await api.request('POST', '/v1/ministries/sante/apps', { body: { name: 'vaccins' } });
  await api.request('POST', '/v1/ministries/sante/apps/vaccins/deployments', {
    body: bundleOf('export default {}'),
  });
  const id = async (name: string) =>
    (await api.database.db.select().from(ministries).where(eq(ministries.name, name)))[0]?.id ?? '';
  const sante = await id('sante');
  const justice = await id('justice');
  tokens.auditor = await roleToken(api.database.db, sante, 'auditor');
  tokens.developer = await roleToken(api.database.db, sante, 'developer');
  tokens.admin = await roleToken(api.database.db, sante, 'admin');
  tokens.otherAdmin = await roleToken(api.database.db, justice, 'admin');
});
afterAll(() => api.close());

const routes = allRoutes({ isReady: () => true }).filter((r) => r.access.kind !== 'public');

/** A body that would be accepted, so authorization is the only reason to refuse. */
function bodyFor(method: string, path: string): unknown {
  if (method === 'get' || method === 'delete') return undefined;
  if (path === '/v1/ministries') return { name: 'nouveau', displayName: 'Nouveau ministère' };
  if (path.endsWith('/apps')) return { name: 'nouvelle' };
  if (path.endsWith('/deployments')) return bundleOf('export default {}');
  if (path.endsWith('/secrets/:name')) return { value: 'une valeur secrète' };
  if (path.endsWith('/execute')) return { sql: 'SELECT 1' };
  return {};
}

function concrete(path: string, ministry = 'sante') {
  return path
    .replace(':ministry', ministry)
    .replace(':app', 'vaccins')
    .replace(':version', '1')
    .replace(':token', 'tok_aaaaaaaaaaaaaaaaaaaaaaaaaa')
    .replace(':member', 'mem_aaaaaaaaaaaaaaaaaaaaaaaaaa')
    .replace(':name', 'API_KEY')
    .replace(':binding', 'DB')
    .replace(':deploymentId', 'dep_aaaaaaaaaaaaaaaaaaaaaaaaaa');
}

async function state() {
  const db = api.database.db;
  return {
    ministries: await db.$count(ministries),
    apps: await db.select().from(apps),
    deployments: await db.$count(deployments),
    tokens: await db.$count(apiTokens),
    quotas: await db.select().from(quotas),
    secrets: await db.select().from(appSecrets),
  };
}

const below = { developer: 'auditor', admin: 'developer' } as const;

describe.each(routes.map((r) => [`${r.method.toUpperCase()} ${r.path}`, r] as const))(
  '%s',
  (_name, route) => {
    const method = route.method.toUpperCase();
    const body = bodyFor(route.method, route.path);

    it('refuses missing and bad credentials with 401, and changes nothing', async () => {
      const before = await state();
      const none = await api.request(method, concrete(route.path), { token: null, body });
      const bad = await api.request(method, concrete(route.path), {
        token: `gov_${'A'.repeat(43)}`,
        body,
      });
      const basic = await api.request(method, concrete(route.path), {
        token: null,
        headers: { authorization: 'Basic Zm9vOmJhcg==' },
        body,
      });
      for (const res of [none, bad, basic]) {
        expect(res.status).toBe(401);
        expect(res.json.error.code).toBe('unauthenticated');
      }
      expect(await state()).toEqual(before);
    });

    const lower =
      route.access.kind === 'operator'
        ? 'admin'
        : route.access.kind === 'ministry' && route.access.minimum !== 'auditor'
          ? below[route.access.minimum]
          : undefined;
    it.runIf(lower !== undefined)(`refuses a ${lower} with 403, and changes nothing`, async () => {
      const before = await state();
      const res = await api.request(method, concrete(route.path), {
        token: tokens[lower ?? ''],
        body,
      });
      expect(res.status).toBe(403);
      expect(res.json.error.code).toBe('forbidden');
      expect(res.json.error.hint).toBeTruthy();
      expect(await state()).toEqual(before);
    });

    it.runIf(route.access.kind === 'ministry')(
      "answers another ministry's resource exactly like one that does not exist",
      async () => {
        const before = await state();
        const other = await api.request(method, concrete(route.path), {
          token: tokens.otherAdmin,
          body,
        });
        const missing = await api.request(method, concrete(route.path, 'nulle'), {
          token: tokens.otherAdmin,
          body,
        });
        expect(other.status).toBe(404);
        expect(missing.status).toBe(404);
        const shape = (r: typeof other, name: string) => ({
          ...r.json.error,
          message: r.json.error.message.replace(name, '<ministry>'),
          requestId: undefined,
        });
        expect(shape(other, 'sante')).toEqual(shape(missing, 'nulle'));
        expect(await state()).toEqual(before);
      },
    );
  },
);

describe('audit of refused attempts', () => {
  it('records denied mutating requests with who tried and from where', async () => {
    await api.request('POST', '/v1/ministries/sante/apps', {
      token: tokens.auditor,
      body: { name: 'essai' },
    });
    // Repeats of a refusal are counted, then written: the matrix above tried this already.
    await api.refusals.flush(true);
    const records = await api.database.db.select().from(auditLog).orderBy(auditLog.seq);
    const denied = records.filter(
      (r) =>
        r.action === 'app.create' &&
        r.outcome === 'denied' &&
        r.actorType === 'token' &&
        (r.details as { status?: number }).status === 403,
    );
    expect(denied.length).toBeGreaterThan(0);
    expect(denied.at(-1)?.details).toMatchObject({ errorCode: 'forbidden' });
  });
});

describe('audit of cross-ministry probes', () => {
  it('records an attempt on another ministry as denied, though it answered 404', async () => {
    const res = await api.request('POST', '/v1/ministries/sante/apps', {
      token: tokens.otherAdmin,
      body: { name: 'sonde' },
    });
    expect(res.status).toBe(404);
    await api.refusals.flush(true);
    const records = await api.database.db.select().from(auditLog).orderBy(auditLog.seq);
    const probes = records.filter(
      (r) =>
        r.action === 'app.create' &&
        r.outcome === 'denied' &&
        (r.details as { status?: number }).status === 404,
    );
    expect(probes.length).toBeGreaterThan(0);
    // Named after the ministry probed, so that ministry's auditors see it.
    expect(probes.at(-1)?.ministryId).toBeTruthy();
  });
});
