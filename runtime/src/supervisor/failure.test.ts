import { describe, expect, it } from 'vitest';
import { describeFailure } from './failure.ts';

describe('describeFailure', () => {
  it('keeps the first meaningful lines, folds repeats and hides host paths', () => {
    const workDir = '/srv/gov/.gov-data/run/dep_x';
    const output = [
      'service app: Uncaught Error: variable BASE_URL manquante',
      `  at ${workDir}/modules/0:1:7`,
      '*** Received signal #6: Aborted',
      'workerd/server/server.c++:1234: error: something internal',
      'service app: Uncaught Error: variable BASE_URL manquante',
      '  at /usr/lib/gov/node_modules/workerd/bin/workerd:0:0',
    ];
    const { summary, detail } = describeFailure('the app failed to start', output, [workDir]);
    expect(summary).toBe(
      'the app failed to start: service app: Uncaught Error: variable BASE_URL manquante | at …/modules/0:1:7 | at …:0:0',
    );
    expect(detail).not.toContain('/srv/gov');
    expect(detail).not.toContain('node_modules');
    expect(detail).not.toContain('server.c++');
    expect(detail).toContain('1 repeated line(s) folded');
  });

  it('bounds the summary however long the output is', () => {
    const { summary, detail } = describeFailure('boom', ['x'.repeat(100_000)]);
    expect(summary.length).toBeLessThanOrEqual(400);
    expect(detail.length).toBeLessThanOrEqual(8 * 1024);
  });
});
