import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiHarness, apiHarness } from '../testing/api-harness.ts';
import { FixedWindowLimiter } from './rate-limit.ts';

describe('FixedWindowLimiter', () => {
  it('allows up to the limit per window, then says how long to wait', () => {
    const limiter = new FixedWindowLimiter(2, 60_000);
    expect(limiter.hit('a', 0).allowed).toBe(true);
    expect(limiter.hit('a', 1).allowed).toBe(true);
    expect(limiter.hit('a', 2)).toEqual({ allowed: false, retryAfterSeconds: 60 });
    expect(limiter.hit('b', 2).allowed).toBe(true);
    expect(limiter.hit('a', 60_001).allowed).toBe(true);
  });
});

describe('brute force on API tokens', () => {
  let api: ApiHarness;
  beforeAll(async () => {
    api = await apiHarness({}, { authFailuresPerMinute: 5 });
  });
  afterAll(() => api.close());

  it('cuts an address off from guessing after repeated failures, never from valid credentials', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await api.request('GET', '/v1/ministries', {
        token: `gov_${String(i).padStart(43, 'x')}`,
      });
      expect(res.status).toBe(401);
    }
    const blocked = await api.request('GET', '/v1/ministries', { token: `gov_${'y'.repeat(43)}` });
    expect(blocked.status).toBe(429);
    expect(blocked.json.error.code).toBe('rate_limited');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // Guessing stops working for that address until the window ends...
    expect((await api.request('GET', '/v1/ministries', { token: null })).status).toBe(429);
    // ...but someone behind the same address with a valid token is never locked out.
    expect((await api.request('GET', '/v1/ministries')).status).toBe(200);
  });
});
