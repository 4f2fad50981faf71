/**
 * PostgreSQL text cannot hold NUL, and an app's output can contain anything:
 * text the platform stores from outside (an app's crash message, a reason)
 * goes through this, so storing it can never fail on its content.
 */
export function safeText(value: string, maxChars = 8 * 1024): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what PostgreSQL refuses.
  const clean = value.replace(/\u0000/g, '\uFFFD').toWellFormed();
  return clean.length > maxChars ? `${clean.slice(0, maxChars - 1)}…` : clean;
}

/** The same, through a JSON value at any depth (keys too), for audit details and the like. */
export function safeJson<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return safeText(value) as T;
  if (depth > 32 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => safeJson(v, depth + 1)) as T;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [safeText(k, 256), safeJson(v, depth + 1)]),
  ) as T;
}
