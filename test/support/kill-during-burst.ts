import type { PlatformProcess } from './platform-process.ts';

/**
 * Writes again and again (`write(i)` resolves true once the write is
 * acknowledged) while the whole platform is killed outright, then starts it
 * again. Returns how many writes were acknowledged before the kill, and the
 * platform as it runs now: what a test then checks is that all of them are
 * still there.
 */
export async function killDuringBurst(
  platform: PlatformProcess,
  write: (i: number) => Promise<boolean>,
  afterMs = 1_500,
): Promise<{ acknowledged: number; platform: PlatformProcess }> {
  let acknowledged = 0;
  let writing = true;
  const burst = (async () => {
    for (let i = 0; writing; i++) {
      if (!(await write(i).catch(() => false))) break;
      acknowledged = i + 1;
    }
  })();
  await new Promise((r) => setTimeout(r, afterMs));
  await platform.stop('SIGKILL');
  writing = false;
  await burst;
  return { acknowledged, platform: await platform.restart() };
}
