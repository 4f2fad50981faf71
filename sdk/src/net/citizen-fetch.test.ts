import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, it } from 'vitest';
import { citizenGet } from './citizen-fetch.ts';

it('reaches *.localhost names on loopback and keeps the Host header', async () => {
  let seenHost: string | undefined;
  const server = http.createServer((req, res) => {
    seenHost = req.headers.host;
    res.writeHead(200, { 'x-gov-deployment': 'dep_x' });
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as AddressInfo).port;
    const res = await citizenGet(`http://demarche.demo.localhost:${port}/`);
    expect(res.status).toBe(200);
    expect(res.headers['x-gov-deployment']).toBe('dep_x');
    expect(seenHost).toBe(`demarche.demo.localhost:${port}`);
  } finally {
    server.close();
  }
});
