import { isJsonObject, objectAt } from '../objects.ts';

/** An int-or-percent (`1`, `"25%"`) against a replica count, rounded up or down. */
function resolve(value: unknown, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.endsWith('%')) {
    const exact = (Number(value.slice(0, -1)) * total) / 100;
    return roundUp ? Math.ceil(exact) : Math.floor(exact);
  }
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : 0;
}

/**
 * maxSurge (rounded up) and maxUnavailable (rounded down) as the
 * deployment controller resolves them; both zero would block a rollout, so
 * maxUnavailable becomes 1 then, as in ResolveFenceposts.
 */
export function rollingBounds(
  spec: unknown,
  desired: number,
): { maxSurge: number; maxUnavailable: number } {
  const rolling = objectAt(spec, ['strategy', 'rollingUpdate']);
  const maxSurge = resolve(
    isJsonObject(rolling) ? (rolling.maxSurge ?? '25%') : '25%',
    desired,
    true,
  );
  let maxUnavailable = resolve(
    isJsonObject(rolling) ? (rolling.maxUnavailable ?? '25%') : '25%',
    desired,
    false,
  );
  if (maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { maxSurge, maxUnavailable: Math.min(maxUnavailable, desired) };
}
