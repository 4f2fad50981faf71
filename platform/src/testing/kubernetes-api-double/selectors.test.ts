import { describe, expect, it } from 'vitest';
import { labelSelectorObjectMatches, labelsMatch, parseLabelSelector } from './selectors.ts';

const labels = { app: 'web', tier: 'front', version: '3' };

describe('label selectors', () => {
  it.each([
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['app=web,tier!=back', true],
    ['tier', true],
    ['!tier', false],
    ['missing!=x', true],
    ['app in (web, api)', true],
    ['app notin (web)', false],
    ['version>2', true],
    ['', true],
  ])('%s matches: %s', (selector, expected) => {
    expect(labelsMatch(parseLabelSelector(selector), labels)).toBe(expected);
  });

  it('rejects what it cannot parse with 400', () => {
    expect(() => parseLabelSelector('app in web')).toThrow(/unable to parse/);
  });

  it('matches LabelSelector objects, where a missing selector matches nothing', () => {
    expect(labelSelectorObjectMatches({ matchLabels: { app: 'web' } }, labels)).toBe(true);
    expect(
      labelSelectorObjectMatches(
        { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['front'] }] },
        labels,
      ),
    ).toBe(false);
    expect(labelSelectorObjectMatches({}, labels)).toBe(true);
    expect(labelSelectorObjectMatches(undefined, labels)).toBe(false);
  });
});
