import { capability } from '../../auth/internal-secret.ts';
import type { Route } from '../../http/route.ts';
import { bodyTemplate, junkBody, mutate, toJsonText } from './bodies.ts';
import type { Dice } from './dice.ts';
import { CONTENT_TYPES, ODD_METHODS, ODD_SEGMENTS, queryString } from './values.ts';

export interface Credential {
  /** How a report names it: never the secret. */
  name: string;
  authorization?: string;
}

export interface FuzzRequest {
  index: number;
  /** The route the request was built from, for the per-route summary. */
  route: string;
  method: string;
  path: string;
  credential: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** What the fuzz authenticates with: one credential per role, and the platform's own secret. */
export interface FuzzPrincipals {
  operator: Credential;
  auditor: Credential;
  developer: Credential;
  admin: Credential;
  /** An admin of another ministry: every request it makes on ours must look like "not found". */
  otherAdmin: Credential;
  internalSecret: Buffer;
  /** A person known to the platform, whom requests may grant roles to and revoke. */
  memberId: string;
}

const BAD_CREDENTIALS: readonly Credential[] = [
  { name: 'none' },
  { name: 'unknown token', authorization: `Bearer gov_${'A'.repeat(43)}` },
  { name: 'basic', authorization: 'Basic Zm9vOmJhcg==' },
  { name: 'empty bearer', authorization: 'Bearer ' },
  { name: 'long bearer', authorization: `Bearer ${'x'.repeat(10_000)}` },
  { name: 'two bearers', authorization: 'Bearer a Bearer b' },
];

/**
 * Builds the fuzz's requests from the route list: any route, its path with
 * real names or one odd segment, a credential of some role (or a bad one),
 * and a body mutated from a well-formed one. Ids seen in answers (tokens the
 * fuzz created, versions, artifacts) are named by later requests.
 */
export class RequestGenerator {
  readonly #dice: Dice;
  readonly #routes: Route[];
  readonly #principals: FuzzPrincipals;
  readonly #seen = {
    token: new Set<string>(),
    version: new Set<string>(),
    sha256: new Set<string>(),
  };

  constructor(dice: Dice, routes: Route[], principals: FuzzPrincipals) {
    this.#dice = dice;
    // Reads are listed twice: they are cheaper than writes (no audit record),
    // so the run stays short while writes still get thousands of requests.
    this.#routes = routes.flatMap((r) => (r.method === 'get' ? [r, r] : [r]));
    this.#principals = principals;
  }

  /** Collects ids from an answer so later requests can use them. */
  harvest(value: unknown, depth = 0): void {
    if (depth > 6 || !value || typeof value !== 'object') return;
    for (const [key, v] of Object.entries(value)) {
      if (typeof v === 'string') {
        // Only tokens the fuzz created (their secret is in the answer): revoking
        // the ones it authenticates with would leave it knocking at the door.
        if (key === 'id' && v.startsWith('tok_') && 'token' in value) this.#seen.token.add(v);
        if (key === 'id' && v.startsWith('dep_')) this.#seen.version.add(v);
        if (key === 'sha256') this.#seen.sha256.add(v);
      } else if (typeof v === 'number' && key === 'version') this.#seen.version.add(String(v));
      else this.harvest(v, depth + 1);
    }
  }

  next(index: number): FuzzRequest {
    const dice = this.#dice;
    const unknownPath = dice.chance(0.03);
    const route = dice.pick(this.#routes);
    const method = dice.chance(0.9) ? route.method.toUpperCase() : dice.pick(ODD_METHODS);
    let path = unknownPath
      ? dice.pick([
          '/',
          '/v1',
          '/v2/ministries',
          '/v1/ministries/sante/nulle',
          '/v1/%00',
          '/internal',
        ])
      : this.#path(route.path, method);
    if (dice.chance(method === 'GET' ? 0.4 : 0.05)) path += queryString(dice);
    const credential = this.#credential(method, path, route.access.kind === 'capability');
    const headers: Record<string, string> = {};
    if (credential.authorization !== undefined) headers.authorization = credential.authorization;
    let body: string | undefined;
    if (method !== 'GET' && method !== 'HEAD') {
      const roll = dice.int(100);
      const template = () => bodyTemplate(method.toLowerCase(), route.path, dice);
      if (roll < 12) body = undefined;
      else if (roll < 24) body = toJsonText(template());
      else if (roll < 82) body = toJsonText(mutate(template(), dice));
      else body = junkBody(dice);
      const type = dice.chance(0.85)
        ? dice.pick(['application/json', 'application/json; charset=utf-8'])
        : dice.pick(CONTENT_TYPES);
      if (body !== undefined && type !== undefined) headers['content-type'] = type;
    }
    if (path.endsWith('/deployments') && dice.chance(0.3)) {
      headers['idempotency-key'] = dice.pick([
        'fuzz-key-0001',
        'fuzz-key-0002',
        'court',
        'k'.repeat(200),
        'a b c d e f g h',
        '',
      ]);
    }
    if (body !== undefined && dice.chance(0.03)) {
      headers['content-length'] = dice.pick(['0', '1', '-1', 'abc', '99999999999', '1e3']);
    }
    return {
      index,
      route: unknownPath ? '(unknown path)' : `${route.method.toUpperCase()} ${route.path}`,
      method,
      path,
      credential: credential.name,
      headers,
      body,
    };
  }

  /** The route's path with real names, or with one of them replaced by something odd. */
  #path(pattern: string, method: string): string {
    const dice = this.#dice;
    const params = [...pattern.matchAll(/:(\w+)/g)].length;
    const odd = params > 0 && dice.chance(0.4) ? dice.int(params) : -1;
    let i = 0;
    return pattern.replace(/:(\w+)/g, (_m, param: string) => {
      if (i++ !== odd) return this.#realName(param, method);
      return dice.chance(0.3)
        ? dice.pick(['nulle', 'inconnue', 'z9', 'santee'])
        : dice.pick(ODD_SEGMENTS);
    });
  }

  #realName(param: string, method: string): string {
    const pools: Record<string, string[]> = {
      ministry: ['sante', 'sante', 'sante', 'sante', 'sante', 'sante', 'justice', 'culture'],
      // A DELETE names the spare app mostly, so the one most requests read survives.
      app:
        method === 'DELETE'
          ? ['registre', 'registre', 'bourses', 'vaccins']
          : ['vaccins', 'vaccins', 'vaccins', 'vaccins', 'registre', 'bourses'],
      version: ['1', '1', '2', '3', ...this.#seen.version],
      token: [...this.#seen.token, 'tok_aaaaaaaaaaaaaaaaaaaaaaaaaa'],
      member: [this.#principals.memberId],
      sha256: [...this.#seen.sha256],
    };
    const pool = pools[param];
    return pool && pool.length > 0 ? this.#dice.pick(pool) : 'nulle';
  }

  #credential(method: string, path: string, capabilityRoute: boolean): Credential {
    const dice = this.#dice;
    const p = this.#principals;
    const roll = dice.int(100);
    if (capabilityRoute && roll < 75) {
      const sha = /\/v1\/artifacts\/([^/?]*)/.exec(path)?.[1];
      if (sha !== undefined) {
        const secret = capability(p.internalSecret, `artifact:${sha}`);
        return { name: 'artifact capability', authorization: `Bearer ${secret}` };
      }
      // The gateway's GET is a stream that never ends: no valid capability there.
      if (method !== 'GET' && method !== 'HEAD') {
        const secret = capability(p.internalSecret, 'gateway');
        return { name: 'gateway capability', authorization: `Bearer ${secret}` };
      }
    }
    if (roll < 78) {
      return dice.pick([p.operator, p.auditor, p.developer, p.developer, p.admin, p.otherAdmin]);
    }
    return dice.pick([
      ...BAD_CREDENTIALS,
      { name: 'staff token as capability', authorization: p.developer.authorization },
    ]);
  }
}
