import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capability } from '../../auth/internal-secret.ts';
import { appSecrets, auditLog, deployments, ministries } from '../../db/schema/index.ts';
import {
  type ApiHarness,
  apiHarness,
  bundleOf,
  TEST_INTERNAL_SECRET,
} from '../../testing/api-harness.ts';
import { roleToken } from '../../testing/principals.ts';

let api: ApiHarness;
let auditor = '';
const base = '/v1/ministries/sante/apps/vaccins/secrets';
const VALUE = 'sk_live_ne-jamais-afficher';

beforeAll(async () => {
  api = await apiHarness();
  await api.request('POST', '/v1/ministries', { body: { name: 'sante', displayName: 'Santé' } });
  await api.request('POST', '/v1/ministries/sante/apps', { body: { name: 'vaccins' } });
  const [sante] = await api.database.db
    .select()
    .from(ministries)
    .where(eq(ministries.name, 'sante'));
  auditor = await roleToken(api.database.db, sante?.id ?? '', 'auditor');
});
afterAll(() => api.close());

describe('app secrets', () => {
  it('sets a secret (201, then 200 with a new revision) and asks for the app to be reconciled', async () => {
    const enqueued = api.enqueued.length;
    const created = await api.request('PUT', `${base}/API_KEY`, { body: { value: VALUE } });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: 'API_KEY', revision: 1 });
    const again = await api.request('PUT', `${base}/API_KEY`, { body: { value: `${VALUE}-2` } });
    expect(again.status).toBe(200);
    expect(again.json.revision).toBe(2);
    expect(api.enqueued.length).toBe(enqueued + 2);
  });

  it('never returns a value, to anyone, and never writes it in the audit log', async () => {
    const list = await api.request('GET', base, { token: auditor });
    expect(list.status).toBe(200);
    expect(list.json.secrets).toEqual([
      expect.objectContaining({ name: 'API_KEY', revision: 2, updatedAt: expect.any(String) }),
    ]);
    expect(JSON.stringify(list.json)).not.toContain('ne-jamais');
    const records = await api.database.db.select().from(auditLog);
    const puts = records.filter((r) => r.action === 'secret.put');
    expect(puts.length).toBe(2);
    expect(puts.at(-1)?.details).toMatchObject({ app: 'vaccins', name: 'API_KEY', revision: 2 });
    expect(JSON.stringify(records)).not.toContain('ne-jamais');
    const stored = await api.database.db.select().from(appSecrets);
    expect(Buffer.from(stored[0]?.sealedValue ?? []).toString('latin1')).not.toContain('jamais');
  });

  it.each([
    ['a name that is not an identifier', 'API-KEY', { value: 'x' }, /secret name/],
    ['an empty value', 'VIDE', { value: '' }, /cannot be empty/],
    ['a value over 5 KiB', 'GROS', { value: 'x'.repeat(5121) }, /at most 5120 bytes/],
    ['a value that is not text', 'NOMBRE', { value: 42 }, /value/],
    ['an unknown field', 'CHAMP', { value: 'x', expires: 1 }, /expires/],
  ])('refuses %s with 400 and stores nothing', async (_what, name, body, message) => {
    const before = await api.database.db.$count(appSecrets);
    const res = await api.request('PUT', `${base}/${name}`, { body });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(message);
    expect(await api.database.db.$count(appSecrets)).toBe(before);
  });

  it('refuses a secret named like a var of the current version, and a deploy whose vars clash', async () => {
    const deploy = await api.request('POST', '/v1/ministries/sante/apps/vaccins/deployments', {
      body: bundleOf('export default {}', { vars: { REGION: 'Kayes' } }),
    });
    expect(deploy.status).toBe(202);
    const clash = await api.request('PUT', `${base}/REGION`, { body: { value: 'x' } });
    expect(clash.status).toBe(409);
    expect(clash.json.error.message).toMatch(/REGION is a var/);
    const clashing = await api.request('POST', '/v1/ministries/sante/apps/vaccins/deployments', {
      body: bundleOf('export default {}', { vars: { API_KEY: 'en clair' } }),
    });
    expect(clashing.status).toBe(422);
    expect(clashing.json.error).toMatchObject({
      code: 'invalid_bundle',
      message: expect.stringMatching(/API_KEY is both a var .* and a secret/),
    });
  });

  it('fails a deploy that needs a secret not set, naming it and the command that sets it', async () => {
    const versions = await api.database.db.$count(deployments);
    const res = await api.request('POST', '/v1/ministries/sante/apps/vaccins/deployments', {
      body: bundleOf('export default {}', { secrets: ['API_KEY', 'SMS_TOKEN'] }),
    });
    expect(res.status).toBe(422);
    expect(res.json.error).toMatchObject({
      message: 'secret SMS_TOKEN is not set for app "vaccins"',
      hint: expect.stringContaining('gov secrets put SMS_TOKEN --app vaccins'),
    });
    expect(await api.database.db.$count(deployments)).toBe(versions);
    const ok = await api.request('POST', '/v1/ministries/sante/apps/vaccins/deployments', {
      body: bundleOf('export default {}', { secrets: ['API_KEY'] }),
    });
    expect(ok.status).toBe(202);
  });

  it('hands the values to the runtime of a version of this app only, with its capability', async () => {
    const [version] = await api.database.db.select().from(deployments).limit(1);
    const id = version?.id ?? '';
    const path = `/internal/v1/deployments/${id}/secrets`;
    const token = capability(TEST_INTERNAL_SECRET, `secrets:${id}`);
    const res = await api.request('GET', path, { token });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ secrets: { API_KEY: `${VALUE}-2` } });
    expect(res.headers.get('cache-control')).toBe('no-store');
    // The operator's own token reads no value; nor does another version's capability.
    expect((await api.request('GET', path)).status).toBe(401);
    const other = capability(TEST_INTERNAL_SECRET, 'secrets:dep_another');
    expect((await api.request('GET', path, { token: other })).status).toBe(401);
  });

  it('deletes a secret (204), then answers 404 naming the command that lists them', async () => {
    expect((await api.request('DELETE', `${base}/API_KEY`)).status).toBe(204);
    const again = await api.request('DELETE', `${base}/API_KEY`);
    expect(again.status).toBe(404);
    expect(again.json.error.hint).toMatch(/gov secrets list/);
    expect((await api.request('GET', base)).json.secrets).toEqual([]);
  });

  it('holds at most 64 secrets per app', async () => {
    for (let i = 0; i < 64; i++) {
      const res = await api.request('PUT', `${base}/S${i}`, { body: { value: 'x' } });
      expect(res.status).toBe(201);
    }
    const over = await api.request('PUT', `${base}/S64`, { body: { value: 'x' } });
    expect(over.status).toBe(409);
    expect(over.json.error.message).toMatch(/already has 64 secrets/);
    // Changing one that exists is still allowed.
    expect((await api.request('PUT', `${base}/S0`, { body: { value: 'y' } })).status).toBe(200);
  });
});
