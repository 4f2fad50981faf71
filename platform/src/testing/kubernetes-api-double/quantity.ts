/**
 * Kubernetes resource quantities (`500m`, `0.5`, `128Mi`, `1G`, `1e3`), as
 * plain numbers in base units: cores for CPU, bytes for memory. Doubles are
 * exact enough for the sizes a quota test uses.
 */
const suffixes: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

export function parseQuantity(input: unknown): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) ? input : undefined;
  if (typeof input !== 'string') return undefined;
  const m =
    /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$/.exec(
      input.trim(),
    );
  if (!m?.[1]) return undefined;
  const base = Number(m[1]);
  if (m[2]) return base * 10 ** Number(m[2].slice(1));
  return base * (suffixes[m[3] ?? ''] ?? 1);
}

/** Tolerates the rounding of decimal fractions (0.1 + 0.2) when comparing usage to a limit. */
export function exceeds(value: number, limit: number): boolean {
  return value - limit > Math.max(Math.abs(limit), 1) * 1e-9;
}

const binary = ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'] as const;

/** The canonical text of a quantity for a resource name, as quota messages print it. */
export function formatQuantity(resource: string, value: number): string {
  if (resource.endsWith('cpu')) {
    const milli = Math.round(value * 1000);
    return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
  }
  if (resource.endsWith('memory') || resource.endsWith('storage')) {
    const bytes = Math.round(value);
    for (const suffix of binary) {
      const unit = suffixes[suffix] ?? 1;
      if (bytes >= unit && bytes % unit === 0) return `${bytes / unit}${suffix}`;
    }
    return String(bytes);
  }
  return String(Math.round(value * 1000) / 1000);
}
