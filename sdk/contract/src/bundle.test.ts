import { describe, expect, it } from 'vitest';
import { bundleBytes, bundleSchema, decodeModules } from './bundle.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const valid = {
  mainModule: 'index.js',
  modules: [
    { name: 'index.js', type: 'esModule', contentBase64: b64('export default {}') },
    { name: 'lib/page.html', type: 'text', contentBase64: b64('<p>é</p>') },
  ],
  compatibilityDate: '2026-04-01',
  vars: { SERVICE_NAME: 'État civil' },
};

function issues(input: unknown): string[] {
  const result = bundleSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => i.message);
}

describe('bundleSchema', () => {
  it('accepts a wrangler-built bundle and fills defaults', () => {
    const bundle = bundleSchema.parse(valid);
    expect(bundle.compatibilityFlags).toEqual([]);
    expect(decodeModules(bundle)[1]?.content).toEqual(new TextEncoder().encode('<p>é</p>'));
    expect(bundleBytes(bundle)).toBe(
      Buffer.byteLength('export default {}') + Buffer.byteLength('<p>é</p>'),
    );
  });

  it.each([
    ['../escape.js', /relative paths/],
    ['/etc/passwd', /relative paths/],
    ['a/../../b.js', /relative paths/],
    ['name with space.js', /relative paths/],
  ])('rejects the module name %s', (name, message) => {
    const input = {
      ...valid,
      mainModule: name,
      modules: [{ name, type: 'esModule', contentBase64: '' }],
    };
    expect(issues(input).join()).toMatch(message);
  });

  it('rejects a main module that was not uploaded or is not an ES module', () => {
    expect(issues({ ...valid, mainModule: 'other.js' }).join()).toMatch(/not one of the uploaded/);
    expect(issues({ ...valid, mainModule: 'lib/page.html' }).join()).toMatch(
      /must be an ES module/,
    );
  });

  it('rejects duplicate modules, corrupt base64, unknown fields and bad vars', () => {
    const dup = { ...valid, modules: [valid.modules[0], valid.modules[0]] };
    expect(issues(dup).join()).toMatch(/appears twice/);
    const corrupt = {
      ...valid,
      modules: [{ name: 'index.js', type: 'esModule', contentBase64: 'abc' }],
    };
    expect(issues(corrupt).join()).toMatch(/truncated/);
    expect(issues({ ...valid, extra: true })).not.toEqual([]);
    expect(issues({ ...valid, vars: { 'bad-name': 'x' } }).join()).toMatch(/MY_VAR/);
    expect(issues({ ...valid, compatibilityDate: 'tomorrow' }).join()).toMatch(/date/);
  });
});

describe('bundleSchema edge cases', () => {
  const base = {
    mainModule: 'index.js',
    modules: [{ name: 'index.js', type: 'esModule', contentBase64: 'eA==' }],
    compatibilityDate: '2026-04-01',
  };
  it('refuses a "__proto__" var instead of dropping it', () => {
    const result = bundleSchema.safeParse({
      ...base,
      vars: JSON.parse('{"__proto__":"x","A":"b"}'),
    });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain('__proto__');
  });
  it('refuses compatibility dates before workerd’s first one', () => {
    expect(bundleSchema.safeParse({ ...base, compatibilityDate: '0000-01-01' }).success).toBe(
      false,
    );
    expect(bundleSchema.safeParse({ ...base, compatibilityDate: '2021-11-03' }).success).toBe(true);
  });
});
