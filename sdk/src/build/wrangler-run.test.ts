import { describe, expect, it } from 'vitest';
import { failureReason, WRANGLER_OFFLINE_ENV } from './wrangler-run.ts';

describe('failureReason', () => {
  it('skips the generic esbuild line for the real error and its place', () => {
    const output = [
      '✘ [ERROR] Build failed with 1 error:',
      '',
      '  ✘ [ERROR] Could not resolve "hono"',
      '',
      '      src/index.ts:1:21:',
      '        1 │ import { Hono } from "hono";',
    ].join('\n');
    expect(failureReason(output, 1)).toBe('Could not resolve "hono" (src/index.ts:1:21)');
  });

  it('falls back to any error line, then to the exit code', () => {
    expect(failureReason('Error: Missing entry-point', 1)).toBe('Error: Missing entry-point');
    expect(failureReason('', 7)).toBe('wrangler exited with code 7');
  });
});

describe('WRANGLER_OFFLINE_ENV', () => {
  it('turns off telemetry and points any update check at a closed loopback port', () => {
    expect(WRANGLER_OFFLINE_ENV).toMatchObject({
      WRANGLER_SEND_METRICS: 'false',
      WRANGLER_SEND_ERROR_REPORTS: 'false',
      WRANGLER_HIDE_BANNER: 'true',
    });
    expect(new URL(WRANGLER_OFFLINE_ENV.npm_registry ?? '').hostname).toBe('127.0.0.1');
  });
});
