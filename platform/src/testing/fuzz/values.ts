import type { Dice } from './dice.ts';

/**
 * What the API fuzz puts where a client would put something sensible: edge
 * numbers, text no one should store, dates outside every calendar, path
 * segments and query strings that should stop at the edge.
 */

/** A value spliced into the JSON text as is: what JSON.stringify cannot write. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** Shared once: the long strings cost memory only once however often they are sent. */
export const LONG = {
  s201: 'x'.repeat(201),
  s5121: 'v'.repeat(5121),
  s70k: 'y'.repeat(70_000),
  base64Big: 'A'.repeat(120_000),
  body400k: JSON.stringify({ padding: 'z'.repeat(400 * 1024) }),
};

function nested(depth: number, leaf: unknown): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
}

/** Numbers a numeric field may become: the edges of int32, of exact doubles, and past them. */
export const NUMBER_VALUES: readonly unknown[] = [
  0,
  -1,
  1,
  1.5,
  -0.0001,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32,
  -(2 ** 31) - 1,
  2 ** 53 - 1,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53),
  1e308,
  Number.MIN_VALUE,
  new RawJson('1e999'),
  new RawJson('-1e999'),
  new RawJson('-0'),
  new RawJson('1e-400'),
  new RawJson('9007199254740993'),
  new RawJson(`1${'0'.repeat(400)}`),
  'NaN',
  'Infinity',
  '-1',
  '2147483648',
  '1e3',
  '0x10',
];

/** Text a string field may become: control characters, broken Unicode, odd dates, lengths past limits. */
export const STRING_VALUES: readonly unknown[] = [
  '',
  ' ',
  'a',
  '\u0000',
  'nom\u0000cache',
  '\ud800',
  'fin\udfff',
  '\u001b[31mrouge',
  'ligne\nsuivante',
  'tab\there',
  '\u0085',
  '\u2028',
  '\u202e',
  '\ufeff',
  'santé',
  'Ministère de la Santé',
  '😀',
  '%00',
  '../../etc/passwd',
  "'; drop table apps; --",
  '<script>alert(1)</script>',
  '__proto__',
  'sante',
  'vaccins',
  'index.js',
  'developer',
  'admin',
  'operator',
  'agent@sante.gov.ml',
  'AGENT@SANTE.GOV.ML',
  'a@b',
  'app_aaaaaaaaaaaaaaaaaaaaaaaaaa',
  '2026-04-01',
  '2026-04-01T00:00:00Z',
  '2026-04-01T00:00:00.000Z',
  'ZXhwb3J0IGRlZmF1bHQge30=',
  'ZXhwb3J0IGRlZmF1bHQge30',
  '====',
  LONG.s201,
  LONG.s5121,
];

/** Where a field holds a date or a time: impossible days, and years PostgreSQL or ISO cannot write. */
export const DATE_VALUES: readonly unknown[] = [
  '2026-02-30',
  '2026-13-01',
  '0000-01-01',
  '0001-01-01',
  '9999-12-31',
  '1969-12-31',
  '2026-02-30T00:00:00Z',
  '2026-04-01T24:00:00Z',
  '0000-01-01T00:00:00.000Z',
  '0001-01-01T00:00:00+14:00',
  '1969-12-31T23:59:59Z',
  '9999-12-31T23:59:59.999Z',
  '9999-12-31T23:59:59-14:00',
  '+275760-09-13T00:00:00.000Z',
  '-000001-01-01T00:00:00Z',
  '2026-04-01T10:00:00.123456789Z',
  '2026-04-01 10:00:00',
  '2026-04-01T10:00:00',
];

/** Numbers right at the edges of what an integer column holds, drawn more often. */
export const INT32_EDGES: readonly unknown[] = [
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32,
  -(2 ** 31) - 1,
  2 ** 53 - 1,
];

export const OTHER_VALUES: readonly unknown[] = [
  null,
  true,
  false,
  [],
  {},
  [1, 'a'],
  { a: 1 },
  [''],
  nested(40, 'x'),
  nested(200, 1),
];

/** Path parameter values that name nothing, or should never reach a query. */
export const ODD_SEGMENTS: readonly string[] = [
  '%00',
  'vaccins%00',
  '%01',
  '%1F',
  '%7F',
  '%C2%80',
  '%ED%A0%80',
  '%ED%B0%80',
  '%E0%A4%A',
  '%',
  '%%',
  '%ZZ',
  '%C0%AF',
  '%FF',
  '..',
  '%2e%2e',
  '.',
  '%2F',
  'a%2Fb',
  '%20',
  '+',
  'sant%C3%A9',
  'SANTE',
  '%F0%9F%98%80',
  '%E2%80%A8',
  '%E2%80%AE',
  'a'.repeat(41),
  'x'.repeat(300),
  'x'.repeat(10_000),
  '0',
  '-1',
  '01',
  '1e3',
  '2147483647',
  '2147483648',
  '4294967296',
  '9007199254740993',
  `1${'0'.repeat(300)}`,
  'Infinity',
  'NaN',
  '0x10',
  '%3Cscript%3E',
  "'%3B--",
  'dep_aaaaaaaaaaaaaaaaaaaaaaaaaa',
  'tok_aaaaaaaaaaaaaaaaaaaaaaaaaa',
  'mem_aaaaaaaaaaaaaaaaaaaaaaaaaa',
  'a'.repeat(64),
  'f'.repeat(64),
  'F'.repeat(64),
  '__proto__',
  'constructor',
];

const QUERY_KEYS = ['action', 'outcome', 'actor', 'from', 'to', 'after', 'limit', 'ministry'];
const ODD_QUERY_KEYS = [
  '',
  'x',
  '%00',
  'limit[]',
  '__proto__',
  'constructor',
  '%ED%A0%80',
  'a'.repeat(500),
];
const QUERY_VALUES = [
  '',
  '0',
  '1',
  '-1',
  '1000',
  '1001',
  '1.5',
  '%201',
  '2147483648',
  '9007199254740993',
  '1e309',
  'NaN',
  'Infinity',
  '0x10',
  'success',
  'denied',
  'deployment.create',
  'app.create',
  'sante',
  'justice',
  'nulle',
  '2026-04-01T00:00:00Z',
  '2026-04-01T00:00:00%2B14:00',
  '2026-02-30T00:00:00Z',
  '2026-04-01T25:00:00Z',
  '9999-12-31T23:59:59Z',
  '9999-12-31T23:59:59-14:00',
  '0000-01-01T00:00:00Z',
  '0001-01-01T00:00:00%2B14:00',
  '%2B275760-09-13T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '1970-01-01T00:00:00.000000001Z',
  '2026-04-01',
  '%00',
  'a%00b',
  '%1B',
  '%ED%A0%80',
  '%E2%80%A8',
  '%25',
  'a%26b%3Dc',
  'x'.repeat(5000),
];

export function queryString(dice: Dice): string {
  const pairs: string[] = [];
  for (let n = 1 + dice.int(3); n > 0; n--) {
    const key = dice.chance(0.85) ? dice.pick(QUERY_KEYS) : dice.pick(ODD_QUERY_KEYS);
    pairs.push(dice.chance(0.05) ? key : `${key}=${dice.pick(QUERY_VALUES)}`);
  }
  return `?${pairs.join('&')}`;
}

export const CONTENT_TYPES: readonly (string | undefined)[] = [
  undefined,
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/jsonx',
  'APPLICATION/JSON',
  'application/json; charset=latin1',
  'application/octet-stream',
  '',
];

export const ODD_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'PROPFIND'];
