import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../testing/harness.ts';
import { citizenGet, isLocalhostName } from './citizen-fetch.ts';

let server: TestServer;
const hosts: Array<string | undefined> = [];
beforeAll(async () => {
  server = await startServer((req, res) => {
    hosts.push(req.headers.host);
    res.writeHead(200, { 'x-gov-deployment': 'dep_x', 'content-type': 'text/html' });
    res.end(`<p>${req.url}</p>`);
  });
});
afterAll(() => server.close());

describe('citizenGet', () => {
  it('reaches *.localhost names on 127.0.0.1 and keeps the Host header', async () => {
    const res = await citizenGet(`http://demarche.demo.localhost:${server.port}/suivi?n=1`);
    expect(res.status).toBe(200);
    expect(res.headers['x-gov-deployment']).toBe('dep_x');
    expect(res.body).toBe('<p>/suivi?n=1</p>');
    expect(hosts.at(-1)).toBe(`demarche.demo.localhost:${server.port}`);
  });

  it('fails with the reason when nothing listens', async () => {
    const closed = await startServer(() => {});
    await closed.close();
    await expect(citizenGet(`http://demarche.demo.localhost:${closed.port}/`)).rejects.toThrow(
      /ECONNREFUSED 127\.0\.0\.1/,
    );
  });

  it('gives up on a server that does not answer', async () => {
    const silent = await startServer(() => {});
    try {
      await expect(citizenGet(`http://x.localhost:${silent.port}/`, 100)).rejects.toThrow(
        /no answer from x\.localhost:\d+ within 100 ms/,
      );
    } finally {
      await silent.close();
    }
  });
});

it.each([
  ['localhost', true],
  ['demarche.demo.localhost', true],
  ['DEMARCHE.Demo.LOCALHOST.', true],
  ['localhost.example.ml', false],
  ['notlocalhost', false],
])('%s is a loopback name: %s', (name, expected) => {
  expect(isLocalhostName(name)).toBe(expected);
});
