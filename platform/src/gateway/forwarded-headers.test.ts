import { describe, expect, it } from 'vitest';
import { forwardable, hostOnlyCookies } from './forwarded-headers.ts';

describe('hostOnlyCookies', () => {
  it('removes Domain= from every cookie, whatever its case and spacing, and keeps the rest', () => {
    expect(
      hostOnlyCookies([
        'session=abc; Domain=.localhost; Path=/; HttpOnly',
        'suivi=1;domain=sante.localhost;Secure',
        'simple=oui',
      ]),
    ).toEqual(['session=abc; Path=/; HttpOnly', 'suivi=1;Secure', 'simple=oui']);
    expect(hostOnlyCookies(undefined)).toBeUndefined();
  });
});

describe('forwardable', () => {
  it('drops hop-by-hop headers, the ones Connection names, and citizens’ x-gov-* headers', () => {
    expect(
      forwardable(
        {
          connection: 'keep-alive, x-secret',
          'x-secret': '1',
          'keep-alive': 'timeout=5',
          'x-gov-citizen': 'forged',
          accept: 'text/html',
        },
        true,
      ),
    ).toEqual({ accept: 'text/html' });
  });
});
