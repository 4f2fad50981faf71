import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PlatformProcess, startPlatformProcess } from '../support/platform-process.ts';
import { twoControlPlanes } from './two-control-planes.ts';

// Two control planes need a database both can reach: PostgreSQL. Embedded
// PGlite belongs to one process by design; CI runs this in its PostgreSQL pass.
const postgres = Boolean(process.env.DATABASE_URL);

describe.skipIf(!postgres)('two control planes on one PostgreSQL database', () => {
  let platform: PlatformProcess;
  beforeAll(async () => {
    platform = await startPlatformProcess();
  }, 60_000);
  afterAll(() => platform?.destroy());

  it('reconcile one at a time for a minute of deploys: no version flaps, the standby takes over', async () => {
    const result = await twoControlPlanes(platform, { durationMs: 60_000 });
    expect(result.flapDetails).toEqual([]);
    expect(result.deploys).toBeGreaterThan(30);
    expect(result.newestLive).toBe(true);
    expect(Number.isFinite(result.takeoverMs)).toBe(true);
  }, 180_000);
});
