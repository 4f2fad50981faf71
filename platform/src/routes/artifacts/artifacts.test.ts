import { sha256Hex } from '@gov/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capability } from '../../auth/internal-secret.ts';
import {
  type ApiHarness,
  apiHarness,
  bundleOf,
  TEST_INTERNAL_SECRET,
} from '../../testing/api-harness.ts';

/**
 * A runtime reads exactly the artifact it was given a capability for, and
 * nothing else; staff tokens are no key to the platform's internal routes.
 */
let api: ApiHarness;
let sha = '';
let other = '';
beforeAll(async () => {
  api = await apiHarness();
  await api.request('POST', '/v1/ministries', { body: { name: 'sante', displayName: 'Santé' } });
  await api.request('POST', '/v1/ministries/sante/apps', { body: { name: 'vaccins' } });
  const a = await api.request('POST', '/v1/ministries/sante/apps/vaccins/deployments', {
    body: bundleOf('export default { fetch() { return new Response("a"); } };'),
  });
  const b = await api.request('POST', '/v1/ministries/sante/apps/vaccins/deployments', {
    body: bundleOf('export default { fetch() { return new Response("b"); } };'),
  });
  sha = a.json.artifact.sha256;
  other = b.json.artifact.sha256;
});
afterAll(() => api.close());

const cap = (purpose: `artifact:${string}` | 'gateway') =>
  capability(TEST_INTERNAL_SECRET, purpose);

describe('GET /v1/artifacts/:sha256', () => {
  it('serves the exact bytes to the holder of that digest’s capability', async () => {
    const res = await api.request('GET', `/v1/artifacts/${sha}`, { token: cap(`artifact:${sha}`) });
    expect(res.status).toBe(200);
    const bytes = new TextEncoder().encode(JSON.stringify(res.json));
    expect(sha256Hex(bytes)).toBe(sha);
  });

  it('refuses another digest’s capability, the gateway’s, and a staff token, alike', async () => {
    for (const token of [cap(`artifact:${other}`), cap('gateway'), api.operatorToken]) {
      const res = await api.request('GET', `/v1/artifacts/${sha}`, { token });
      expect(res.status).toBe(401);
      expect(res.json.error.code).toBe('unauthenticated');
    }
  });

  it('answers 404 for a digest it does not hold, and refuses a malformed one', async () => {
    const missing = 'f'.repeat(64);
    const res = await api.request('GET', `/v1/artifacts/${missing}`, {
      token: cap(`artifact:${missing}`),
    });
    expect(res.status).toBe(404);
    const odd = await api.request('GET', '/v1/artifacts/..%2F..%2Fetc', {
      token: cap('artifact:../../etc'),
    });
    expect(odd.status).toBe(404);
  });
});

describe('internal routes of the gateway', () => {
  it('accept the gateway capability only', async () => {
    const usage = { rows: [] };
    for (const token of [api.operatorToken, cap(`artifact:${sha}`)]) {
      const res = await api.request('POST', '/internal/v1/usage', { token, body: usage });
      expect(res.status).toBe(401);
    }
    const ok = await api.request('POST', '/internal/v1/usage', {
      token: cap('gateway'),
      body: usage,
    });
    expect(ok.status).toBe(204);
  });
});
