import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PlatformProcess, startPlatformProcess } from '../support/platform-process.ts';
import { growingApp, healthyUnderLoad, hostileApps } from './hostile-apps.ts';

describe('hostile apps on a running platform', () => {
  let platform: PlatformProcess;
  beforeAll(async () => {
    platform = await startPlatformProcess();
  }, 60_000);
  afterAll(() => platform?.destroy());

  it('contains a log bomb, endless loops, a memory bomb and a network probe while a neighbour keeps answering', async () => {
    const results = await hostileApps(platform);
    for (const r of results) {
      expect(r.contained, `${r.attack}: ${r.detail}`).toBe(true);
      expect(r.neighbour.failures).toEqual([]);
      expect(r.neighbour.requests).toBeGreaterThan(10);
    }
  }, 240_000);
});

describe('a healthy app under steady load', () => {
  let platform: PlatformProcess;
  beforeAll(async () => {
    platform = await startPlatformProcess();
  }, 60_000);
  afterAll(() => platform?.destroy());

  it('is never killed for its memory and fails no request', async () => {
    const result = await healthyUnderLoad(platform, { seconds: 30, concurrency: 10 });
    expect(result.failures).toEqual([]);
    expect(result.memoryKills).toBe(0);
    expect(result.requests).toBeGreaterThan(1000);
  }, 120_000);
});

describe('an app whose memory keeps growing', () => {
  let platform: PlatformProcess;
  beforeAll(async () => {
    platform = await startPlatformProcess();
  }, 60_000);
  afterAll(() => platform?.destroy());

  it('is replaced gracefully before its limit, without failing a request', async () => {
    const result = await growingApp(platform);
    expect(result.failures).toEqual([]);
    expect(result.recycled).toBeGreaterThanOrEqual(1);
    expect(result.memoryKills).toBe(0);
    // The replacement started empty: what the old instance held is gone.
    expect(result.heldBefore).toBeGreaterThan(5);
    expect(result.heldAfter).toBeLessThan(result.heldBefore);
  }, 120_000);
});
