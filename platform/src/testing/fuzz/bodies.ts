import { bundleOf } from '../api-harness.ts';
import type { Dice } from './dice.ts';
import {
  DATE_VALUES,
  INT32_EDGES,
  LONG,
  NUMBER_VALUES,
  OTHER_VALUES,
  RawJson,
  STRING_VALUES,
} from './values.ts';

/**
 * Request bodies for the API fuzz: a well-formed body per kind of route,
 * changed a field at a time, or replaced by something that is not the
 * expected JSON at all.
 */

/** A value to put where `current` was: mostly of its own kind, to get past type checks. */
function fieldValue(current: unknown, dice: Dice): unknown {
  const isDate = typeof current === 'string' && /^\d{4}-\d\d-\d\d/.test(current);
  const sameKind =
    typeof current === 'number'
      ? dice.pick([NUMBER_VALUES, INT32_EDGES])
      : isDate
        ? DATE_VALUES
        : typeof current === 'string'
          ? STRING_VALUES
          : undefined;
  const list =
    sameKind && dice.chance(0.75)
      ? sameKind
      : dice.pick([NUMBER_VALUES, STRING_VALUES, DATE_VALUES, OTHER_VALUES]);
  const value = dice.pick(list);
  // A fresh copy, so one request's mutations never reach another's.
  return value instanceof RawJson ? value : structuredClone(value);
}

/** Well-formed bodies, one per kind of route: mutations start from something accepted. */
export function bodyTemplate(method: string, path: string, dice: Dice): unknown {
  if (path === '/v1/ministries') {
    return { name: dice.pick(['sante', 'justice', 'culture']), displayName: 'Culture' };
  }
  if (path.endsWith('/apps')) return { name: dice.pick(['vaccins', 'registre', 'bourses']) };
  if (path.endsWith('/deployments')) return bundleTemplate(dice);
  if (path.endsWith('/rollback')) return dice.chance(0.5) ? {} : { version: 1 + dice.int(3) };
  if (path.endsWith('/quota')) return { maxApps: 10 + dice.int(5), maxDeploymentsPerDay: 1000 };
  if (path.endsWith('/tokens')) {
    return { label: 'ci fuzz', role: dice.pick(['auditor', 'developer']), expiresInDays: 30 };
  }
  if (path.endsWith('/members')) return { email: 'agent@sante.gov.ml', role: 'developer' };
  if (path.endsWith('/cli-token')) return { idToken: `eyJ${'a'.repeat(40)}.e30.c2ln` };
  if (path.endsWith('/usage') && method === 'post') {
    return {
      rows: [
        {
          appId: 'app_aaaaaaaaaaaaaaaaaaaaaaaaaa',
          ministryId: 'min_aaaaaaaaaaaaaaaaaaaaaaaaaa',
          minute: '2026-04-01T10:00:00.000Z',
          requests: dice.int(100),
          errors: 0,
          bytesIn: 10,
          bytesOut: 10,
        },
      ],
    };
  }
  return {};
}

function bundleTemplate(dice: Dice) {
  const extra: Record<string, unknown> = {};
  if (dice.chance(0.3)) extra.vars = { GREETING: 'bonjour', MODE: 'test' };
  if (dice.chance(0.2)) extra.healthPath = '/healthz';
  if (dice.chance(0.2)) extra.limits = { memoryMib: 128, instances: 1 };
  if (dice.chance(0.2)) extra.compatibilityFlags = ['nodejs_compat'];
  const source = `export default { fetch() { return new Response('${dice.int(1e6)}'); } }`;
  const bundle = bundleOf(source, extra);
  if (dice.chance(0.2)) {
    bundle.modules.push({ name: 'lib/util.js', type: 'esModule', contentBase64: 'ZXhwb3J0IHt9' });
  }
  return bundle;
}

/** Paths to every node of a JSON value, so any of them can be mutated. */
function nodePaths(
  value: unknown,
  prefix: (string | number)[] = [],
  out: (string | number)[][] = [],
) {
  if (prefix.length > 0) out.push(prefix);
  if (prefix.length > 12) return out;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) nodePaths(v, [...prefix, i], out);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) nodePaths(v, [...prefix, k], out);
  }
  return out;
}

function setAt(root: unknown, path: (string | number)[], value: unknown, remove: boolean) {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (remove) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = value;
}

function getAt(root: unknown, path: (string | number)[]): unknown {
  let node = root;
  for (const key of path) node = (node as Record<string | number, unknown>)[key];
  return node;
}

/** Mostly one field change (replaced, removed, or an unknown key added), sometimes two or three. */
export function mutate(template: unknown, dice: Dice): unknown {
  const root = { value: structuredClone(template) };
  const changes = dice.pick([1, 1, 1, 1, 2, 2, 3]);
  for (let n = 0; n < changes; n++) {
    const paths = nodePaths(root.value, ['value']);
    const leaves = paths.filter((p) => {
      const node = getAt(root, p);
      return node === null || typeof node !== 'object';
    });
    // Mostly a leaf (a value of a field) so the rest of the body stays valid.
    const target = leaves.length > 0 && dice.chance(0.8) ? dice.pick(leaves) : dice.pick(paths);
    const roll = dice.int(10);
    if (roll < 7) setAt(root, target, fieldValue(getAt(root, target), dice), false);
    else if (roll < 8 && target.length > 1) setAt(root, target, undefined, true);
    else {
      const parent = getAt(root, target.slice(0, -1));
      if (parent && typeof parent === 'object' && !Array.isArray(parent)) {
        const key = dice.pick(['extra', '__proto__', 'constructor', '', '\u0000', '\ud800', 'é']);
        // defineProperty: an own "__proto__" key, as JSON.parse would make one.
        Object.defineProperty(parent, key, {
          value: fieldValue(undefined, dice),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
    }
  }
  return root.value;
}

/** JSON text of a value that may hold RawJson leaves. */
export function toJsonText(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_key, v) => {
    if (v instanceof RawJson) {
      raws.push(v.text);
      return `@@raw:${raws.length - 1}@@`;
    }
    return v;
  });
  return (text ?? 'null').replace(/"@@raw:(\d+)@@"/g, (_m, i) => raws[Number(i)] ?? 'null');
}

/** Bodies that are not a JSON document of any expected shape. */
export function junkBody(dice: Dice): string {
  return dice.pick([
    () => '',
    () => 'pas du json',
    () => '{',
    () => '{"name":',
    () => '[]',
    () => 'null',
    () => '0',
    () => '"texte"',
    () => '1e999',
    () => '\ufeff{"name":"vaccins"}',
    () => '{"name":"a","name":"b"}',
    () => '{"__proto__":{"admin":true},"name":"vaccins"}',
    () => '{"name":"\\u0000"}',
    () => '{"name":"\\ud800"}',
    () => '{"\\u0000":1}',
    () => 'name=vaccins&displayName=x',
    () => '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--',
    () => `${'['.repeat(20_000)}${']'.repeat(20_000)}`,
    () => `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`,
    () => JSON.stringify({ name: LONG.s70k }),
    () => LONG.body400k,
    () =>
      toJsonText(
        bundleOf('x', {
          modules: [{ name: 'index.js', type: 'esModule', contentBase64: LONG.base64Big }],
        }),
      ),
  ])();
}
