import { describe, expect, it } from 'vitest';
import { logKindOf } from '../log-kind.ts';
import { podLogEntries } from './pod-logs.ts';

const source = (pod: string) => ({ pod, deploymentId: 'dep_1', kindOf: logKindOf });

describe('pod logs as an app’s log entries', () => {
  it('reads the kubelet’s timestamps, trimmed fractions too, and classifies each line', () => {
    const text = [
      '2026-12-04T10:00:00.123456789Z gov-runtime: starting dep_1 on 0.0.0.0:8080',
      '2026-12-04T10:00:01.5Z demande reçue ML-1',
      '2026-12-04T10:00:02Z Uncaught TypeError: x is undefined',
      'not a log line',
      '',
    ].join('\n');
    const entries = podLogEntries(text, source('etat-civil-v1-abc'));
    expect(entries.map((e) => [e.at, e.kind, e.message])).toEqual([
      ['2026-12-04T10:00:00.123Z', 'platform', 'gov-runtime: starting dep_1 on 0.0.0.0:8080'],
      ['2026-12-04T10:00:01.500Z', 'console', 'demande reçue ML-1'],
      ['2026-12-04T10:00:02.000Z', 'exception', 'Uncaught TypeError: x is undefined'],
    ]);
    // Ids sort as time does, whatever the width of the fraction.
    expect(entries.map((e) => e.id)).toEqual([...entries.map((e) => e.id)].sort());
    // Read again, a line keeps its id: a follow never shows it twice.
    expect(podLogEntries(text, source('etat-civil-v1-abc'))).toEqual(entries);
  });
});
