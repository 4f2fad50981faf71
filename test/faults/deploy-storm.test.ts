import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PlatformProcess, startPlatformProcess } from '../support/platform-process.ts';
import { deployStorm } from './deploy-storm.ts';

let platform: PlatformProcess;
beforeAll(async () => {
  platform = await startPlatformProcess();
}, 60_000);
afterAll(() => platform?.destroy());

describe('the control plane killed during 20 concurrent gov deploy runs', () => {
  it('loses nothing, stores nothing twice, leaves no process, and every run ends with a URL or a reason', async () => {
    const result = await deployStorm(platform, { deploys: 20, apps: 5 });
    expect(result).toMatchObject({
      unexplained: 0,
      urlsNotServing: 0,
      lost: 0,
      duplicates: 0,
      strays: 0,
    });
    expect(result.live + result.failedWithReason).toBe(20);
    // Every app ends up serving one of its versions.
    expect(result.live).toBeGreaterThanOrEqual(5);
  }, 300_000);
});
