import { describe, expect, it } from 'vitest';
import { exceeds, formatQuantity, parseQuantity } from './quantity.ts';

describe('parseQuantity', () => {
  it.each([
    ['500m', 0.5],
    ['0.5', 0.5],
    ['2', 2],
    ['128Mi', 128 * 2 ** 20],
    ['1Gi', 2 ** 30],
    ['1G', 1e9],
    ['1e3', 1000],
    ['100k', 100_000],
    [3, 3],
  ])('reads %s', (text, value) => {
    expect(parseQuantity(text)).toBeCloseTo(value);
  });

  it('refuses what is not a quantity', () => {
    expect(parseQuantity('12 cores')).toBeUndefined();
    expect(parseQuantity('Mi')).toBeUndefined();
  });
});

describe('formatQuantity', () => {
  it('writes CPU in cores or millicores and memory with the largest binary suffix', () => {
    expect(formatQuantity('requests.cpu', 0.25)).toBe('250m');
    expect(formatQuantity('limits.cpu', 2)).toBe('2');
    expect(formatQuantity('requests.memory', 256 * 2 ** 20)).toBe('256Mi');
    expect(formatQuantity('limits.memory', 1000)).toBe('1000');
    expect(formatQuantity('pods', 3)).toBe('3');
  });

  it('does not see rounding noise as going over a limit', () => {
    expect(exceeds(0.1 + 0.2, 0.3)).toBe(false);
    expect(exceeds(0.301, 0.3)).toBe(true);
  });
});
