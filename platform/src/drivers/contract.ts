import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ClusterDriver,
  DriverWatchEvent,
  EndpointResolver,
  MinistrySpec,
  ObservedVersion,
  VersionSpec,
} from './driver.ts';

/** How a version behaves when it runs: each driver's harness arranges it its own way. */
export type VersionScenario = 'healthy' | 'fails_at_start';

/** What a driver's test file provides to the shared contract suite. */
export interface DriverContractHarness {
  driver: ClusterDriver & EndpointResolver;
  /** The ministry every spec belongs to: applied before any version, as the reconciler does. */
  ministry: MinistrySpec;
  /** A complete spec for a new version that behaves as `scenario` says. */
  spec(scenario: VersionScenario, overrides?: Partial<VersionSpec>): Promise<VersionSpec>;
  close(): Promise<void>;
}

const WAIT = { timeout: 30_000, interval: 50 };

function condition(v: ObservedVersion | undefined, type: 'Available' | 'Progressing' | 'Failed') {
  return v?.conditions.find((c) => c.type === type);
}

/**
 * The contract every driver keeps, written once and run against each
 * (`local` here, `kubernetes` against the API server double). It speaks
 * only through the driver interfaces: no reaching into a driver's insides.
 */
export function driverContract(name: string, setup: () => Promise<DriverContractHarness>): void {
  describe(`driver contract: ${name}`, () => {
    let h: DriverContractHarness;
    const events: DriverWatchEvent[] = [];
    beforeAll(async () => {
      h = await setup();
      h.driver.watch((e) => events.push(e));
      await h.driver.applyMinistry(h.ministry);
    }, 120_000);
    afterAll(() => h.close());

    const observed = async (id: string) =>
      (await h.driver.list()).find((v) => v.deploymentId === id);

    it('apply records desired state and returns; readiness arrives through observation', async () => {
      const spec = await h.spec('healthy');
      await h.driver.apply(spec);
      // Recorded at once (listed), whatever its progress.
      expect(await observed(spec.deploymentId)).toBeDefined();
      await expect
        .poll(async () => condition(await observed(spec.deploymentId), 'Available')?.status, WAIT)
        .toBe(true);
      const v = await observed(spec.deploymentId);
      expect(v).toMatchObject({
        appId: spec.appId,
        ministryId: spec.ministryId,
        generation: spec.generation,
        instances: { desired: spec.instances, ready: spec.instances },
      });
      expect(condition(v, 'Failed')?.status).toBe(false);
      expect((await h.driver.endpoints(spec.deploymentId)).length).toBeGreaterThan(0);
      // The watch told about it, without anyone polling the driver.
      expect(
        events.some((e) => e.kind === 'version' && e.version.deploymentId === spec.deploymentId),
      ).toBe(true);
    });

    it('apply is idempotent: the same spec again changes nothing', async () => {
      const spec = await h.spec('healthy');
      await h.driver.apply(spec);
      await expect
        .poll(async () => condition(await observed(spec.deploymentId), 'Available')?.status, WAIT)
        .toBe(true);
      const before = await h.driver.endpoints(spec.deploymentId);
      await h.driver.apply(spec);
      await h.driver.apply(spec);
      expect(await h.driver.endpoints(spec.deploymentId)).toEqual(before);
      expect((await observed(spec.deploymentId))?.generation).toBe(spec.generation);
    });

    it('a new version that cannot start is Failed with a machine-readable reason, and given up', async () => {
      const spec = await h.spec('fails_at_start');
      await h.driver.apply(spec);
      await expect
        .poll(async () => condition(await observed(spec.deploymentId), 'Failed')?.status, WAIT)
        .toBe(true);
      const failed = condition(await observed(spec.deploymentId), 'Failed');
      expect(failed?.reason).toMatch(/^(start_error|crash_loop|start_timeout)$/);
      expect(failed?.message).toBeTruthy();
      expect(condition(await observed(spec.deploymentId), 'Available')?.status).toBe(false);
      expect(await h.driver.endpoints(spec.deploymentId)).toEqual([]);
    });

    it('a version that served before is never given up: it stays Progressing, not Failed', async () => {
      const spec = await h.spec('fails_at_start', { servedBefore: true });
      await h.driver.apply(spec);
      await expect
        .poll(async () => condition(await observed(spec.deploymentId), 'Progressing')?.reason, WAIT)
        .toMatch(/^(start_error|crash_loop|start_timeout)$/);
      const v = await observed(spec.deploymentId);
      expect(condition(v, 'Failed')?.status).toBe(false);
      expect(condition(v, 'Available')?.status).toBe(false);
      await h.driver.remove(spec.deploymentId);
    });

    it('wake makes a version answer, and rejects for a version it does not run', async () => {
      const spec = await h.spec('healthy');
      await h.driver.apply(spec);
      await h.driver.wake(spec.deploymentId, 30_000);
      expect((await h.driver.endpoints(spec.deploymentId)).length).toBeGreaterThan(0);
      await expect(h.driver.wake('dep_inconnue', 1_000)).rejects.toMatchObject({
        code: 'unknown_version',
      });
    });

    it('remove drains, stops and forgets a version, and says so through the watch', async () => {
      const spec = await h.spec('healthy');
      await h.driver.apply(spec);
      await expect
        .poll(async () => condition(await observed(spec.deploymentId), 'Available')?.status, WAIT)
        .toBe(true);
      await h.driver.remove(spec.deploymentId);
      await expect.poll(() => observed(spec.deploymentId), WAIT).toBeUndefined();
      expect(await h.driver.endpoints(spec.deploymentId)).toEqual([]);
      expect(events.some((e) => e.kind === 'deleted' && e.deploymentId === spec.deploymentId)).toBe(
        true,
      );
      // Removing again is harmless.
      await h.driver.remove(spec.deploymentId);
    });

    it('reports a new generation once a changed spec is applied', async () => {
      const spec = await h.spec('healthy');
      await h.driver.apply(spec);
      await expect
        .poll(async () => condition(await observed(spec.deploymentId), 'Available')?.status, WAIT)
        .toBe(true);
      const changed = {
        ...spec,
        vars: { ...spec.vars, NOUVELLE: 'valeur' },
        generation: `${spec.generation}-2`,
      };
      await h.driver.apply(changed);
      await expect
        .poll(async () => (await observed(spec.deploymentId))?.generation, WAIT)
        .toBe(changed.generation);
      await expect
        .poll(async () => condition(await observed(spec.deploymentId), 'Available')?.status, WAIT)
        .toBe(true);
    });
  });
}
