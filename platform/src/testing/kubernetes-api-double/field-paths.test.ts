import { describe, expect, it } from 'vitest';
import {
  decodeFieldsV1,
  describePath,
  encodeFieldsV1,
  fieldSetOf,
  joinPath,
  removeAt,
  valueAt,
} from './field-paths.ts';

const pod = {
  metadata: { labels: { app: 'web' }, finalizers: ['a/b'] },
  spec: {
    containers: [
      { name: 'app', image: 'nginx', ports: [{ containerPort: 80 }], args: ['--fast'] },
      { name: 'proxy', image: 'envoy', resources: {} },
    ],
  },
};

describe('field sets', () => {
  it('tracks keyed lists by key, set lists by value, and atomic lists and empty maps as leaves', () => {
    const fields = fieldSetOf(pod);
    expect(encodeFieldsV1(fields)).toEqual({
      'f:metadata': { 'f:finalizers': { 'v:"a/b"': {} }, 'f:labels': { 'f:app': {} } },
      'f:spec': {
        'f:containers': {
          'k:{"name":"app"}': {
            '.': {},
            'f:args': {},
            'f:image': {},
            'f:name': {},
            'f:ports': {
              'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} },
            },
          },
          'k:{"name":"proxy"}': { '.': {}, 'f:image': {}, 'f:name': {}, 'f:resources': {} },
        },
      },
    });
  });

  it('round-trips through fieldsV1', () => {
    const fields = fieldSetOf(pod);
    expect(decodeFieldsV1(encodeFieldsV1(fields))).toEqual(fields);
  });

  it('finds and removes values by path, dropping maps left empty', () => {
    const copy = structuredClone(pod);
    const image = joinPath(['f:spec', 'f:containers', 'k:{"name":"proxy"}', 'f:image']);
    expect(valueAt(copy, image)).toEqual({ found: true, value: 'envoy' });
    removeAt(copy, joinPath(['f:metadata', 'f:labels', 'f:app']));
    expect(copy.metadata).toEqual({ finalizers: ['a/b'] });
    removeAt(copy, joinPath(['f:spec', 'f:containers', 'k:{"name":"app"}']));
    expect(copy.spec.containers.map((c) => c.name)).toEqual(['proxy']);
  });

  it('describes paths as conflict messages do', () => {
    expect(describePath(joinPath(['f:spec', 'f:containers', 'k:{"name":"app"}', 'f:image']))).toBe(
      '.spec.containers[name="app"].image',
    );
    expect(describePath(joinPath(['f:metadata', 'f:finalizers', 'v:"a/b"']))).toBe(
      '.metadata.finalizers[="a/b"]',
    );
  });
});
