import { describe, expect, it } from 'vitest';
import { LogBudget } from './log-budget.ts';

describe('LogBudget', () => {
  it('keeps a burst, then only what the rate allows, and counts the rest', () => {
    const budget = new LogBudget({ linesPerSecond: 10, bytesPerSecond: 1000, burstSeconds: 1 });
    const t0 = Date.now();
    let kept = 0;
    for (let i = 0; i < 100; i++) if (budget.take(10, t0)) kept += 1;
    expect(kept).toBe(10);
    expect(budget.takeDropped()).toEqual({ lines: 90, bytes: 900 });
    // Half a second later, half a second's worth.
    kept = 0;
    for (let i = 0; i < 100; i++) if (budget.take(10, t0 + 500)) kept += 1;
    expect(kept).toBe(5);
  });

  it('counts bytes too: a few huge lines exhaust it as surely as many small ones', () => {
    const budget = new LogBudget({ linesPerSecond: 1000, bytesPerSecond: 8192, burstSeconds: 1 });
    const t0 = Date.now();
    expect(budget.take(8192, t0)).toBe(true);
    expect(budget.take(8192, t0)).toBe(false);
    expect(budget.takeDropped()).toEqual({ lines: 1, bytes: 8192 });
  });
});
