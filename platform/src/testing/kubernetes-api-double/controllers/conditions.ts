import { arrayAt, isJsonObject, type JsonObject, timestamp } from '../objects.ts';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

/**
 * Sets a condition the way the real controllers' helpers do: the
 * transition time moves only when the status flips, so rewriting the same
 * condition is a no-op write (no new resourceVersion, no watch event).
 */
export function withCondition(
  existing: unknown[],
  wanted: Condition,
  extraTimes: 'lastUpdateTime' | 'lastProbeTime' | undefined,
): JsonObject[] {
  const conditions = existing.filter(isJsonObject);
  const previous = conditions.find((c) => c.type === wanted.type);
  const now = timestamp();
  const unchanged = previous && previous.status === wanted.status;
  const same =
    unchanged && previous.reason === wanted.reason && previous.message === wanted.message;
  const next: JsonObject = {
    type: wanted.type,
    status: wanted.status,
    ...(extraTimes === 'lastUpdateTime'
      ? { lastUpdateTime: same ? previous.lastUpdateTime : now }
      : {}),
    ...(extraTimes === 'lastProbeTime' ? { lastProbeTime: null } : {}),
    lastTransitionTime: unchanged ? previous.lastTransitionTime : now,
    ...(wanted.reason ? { reason: wanted.reason } : {}),
    ...(wanted.message ? { message: wanted.message } : {}),
  };
  return previous ? conditions.map((c) => (c === previous ? next : c)) : [...conditions, next];
}

export function withoutCondition(existing: unknown[], type: string): JsonObject[] {
  return existing.filter(isJsonObject).filter((c) => c.type !== type);
}

export function conditionOf(object: unknown, type: string): JsonObject | undefined {
  return arrayAt(object, ['status', 'conditions'])
    .filter(isJsonObject)
    .find((c) => c.type === type);
}
