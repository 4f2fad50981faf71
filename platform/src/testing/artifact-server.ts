import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Assets, canonicalArtifact, sha256Hex } from '@gov/contract';
import type { ArtifactRef } from '@gov/runtime';

/**
 * A loopback HTTP server that serves artifacts by digest behind a bearer
 * token, as the control plane's artifact route does: for driver tests that
 * run without the API. `tamper` swaps the bytes served for a digest.
 */
export async function startArtifactServer(options: { host?: string } = {}) {
  const host = options.host ?? '127.0.0.1';
  const token = 'test-artifact-capability';
  const stored = new Map<string, Uint8Array>();
  const server = http.createServer((req, res) => {
    const sha = /^\/artifacts\/([0-9a-f]{64})$/.exec(req.url ?? '')?.[1];
    const bytes = sha ? stored.get(sha) : undefined;
    if (req.headers.authorization !== `Bearer ${token}`) return void res.writeHead(401).end();
    if (!bytes) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': bytes.length });
    res.end(bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${(server.address() as AddressInfo).port}`;
  return {
    /** Stores one ES module (and static assets, if given) as an artifact; returns its reference. */
    put(source: string, assets?: Assets): ArtifactRef {
      const bytes = canonicalArtifact({
        mainModule: 'index.js',
        modules: [
          {
            name: 'index.js',
            type: 'esModule',
            contentBase64: Buffer.from(source).toString('base64'),
          },
        ],
        ...(assets ? { assets } : {}),
      });
      const sha256 = sha256Hex(bytes);
      stored.set(sha256, bytes);
      return { sha256, url: `${base}/artifacts/${sha256}`, token };
    },
    tamper(sha256: string, source: string): void {
      stored.set(
        sha256,
        canonicalArtifact({
          mainModule: 'index.js',
          modules: [
            {
              name: 'index.js',
              type: 'esModule',
              contentBase64: Buffer.from(source).toString('base64'),
            },
          ],
        }),
      );
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
