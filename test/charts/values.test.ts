import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { helmTemplate } from './helm-template.ts';
import { coalesceValues } from './values.ts';

const chartDir = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../charts/gov-platform',
);
const release = { releaseName: 'gov', namespace: 'gov-prod' };

describe('charts/gov-platform refuses bad values before rendering', () => {
  const refusals: Array<[string, Record<string, unknown>, string]> = [
    [
      'no database Secret name',
      { database: { existingSecret: '' } },
      '- database.existingSecret: must not be empty',
    ],
    [
      'the database Secret removed',
      { database: { existingSecret: null } },
      '- database.existingSecret: is required',
    ],
    ['0 replicas', { controlPlane: { replicas: 0 } }, '- controlPlane.replicas: must be >= 1'],
    ['"two" replicas', { gateway: { replicas: 'two' } }, '- gateway.replicas: must be integer'],
    [
      'a misspelt key',
      { contolPlane: { replicas: 2 } },
      '- contolPlane: is not a value of this chart',
    ],
    [
      'an issuer that is not a URL',
      { oidc: { issuer: 'sso.gouv.ml' } },
      '- oidc.issuer: must match format "uri"',
    ],
    ['root', { runAs: { user: 0 } }, '- runAs.user: must be >= 1'],
    [
      'a port that needs a capability',
      { gateway: { port: 80 } },
      '- gateway.port: must be >= 1024',
    ],
    [
      'tuning that is not digits',
      { tuning: { GOV_IDLE_TIMEOUT_MS: '5m' } },
      '- tuning.GOV_IDLE_TIMEOUT_MS: must match pattern',
    ],
    [
      'an unknown tuning variable',
      { tuning: { GOV_DEMO: '1' } },
      '- tuning.GOV_DEMO: is not a value of this chart',
    ],
    [
      'no ministry for the citizen Ingress',
      { ingress: { gateway: { ministries: [] } } },
      '- ingress.gateway.ministries: must NOT have fewer than 1 items',
    ],
    [
      'an unknown key under storage (its replicas are not a value)',
      { storage: { replicas: 2 } },
      '- storage.replicas: is not a value of this chart',
    ],
    [
      'a storage volume size that is not a quantity',
      { storage: { persistence: { size: '20GB' } } },
      '- storage.persistence.size: must match pattern',
    ],
    [
      'no storage key Secret name',
      { storage: { key: { existingSecret: '' } } },
      '- storage.key.existingSecret: must not be empty',
    ],
    [
      'a storage port that needs a capability',
      { storage: { port: 443 } },
      '- storage.port: must be >= 1024',
    ],
    [
      'a pull policy Kubernetes does not know',
      { image: { pullPolicy: 'Sometimes' } },
      '- image.pullPolicy: must be one of Always, IfNotPresent, Never',
    ],
  ];
  it.each(refusals)('refuses %s', (_, values, message) => {
    expect(() => helmTemplate(chartDir, { ...release, values: [values] })).toThrow(
      "values don't meet the specifications of the schema of chart gov-platform",
    );
    expect(() => helmTemplate(chartDir, { ...release, values: [values] })).toThrow(message);
  });
});

describe('values merging, as Helm coalesces them', () => {
  it('merges maps key by key, replaces lists and deletes a key set to null', () => {
    const chart = { a: { b: 1, c: [1, 2], d: 'x' }, e: 'y' };
    expect(coalesceValues(chart, { a: { b: 2, c: [3], d: null } }, { e: 'z' })).toEqual({
      a: { b: 2, c: [3] },
      e: 'z',
    });
    expect(chart).toEqual({ a: { b: 1, c: [1, 2], d: 'x' }, e: 'y' });
  });
});
