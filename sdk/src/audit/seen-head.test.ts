import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type AuditCheckpoint,
  type AuditVerification,
  auditKeyId,
  checkpointStatement,
} from '@gov/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, startServer, type TestServer } from '../testing/harness.ts';
import {
  compareWithSeen,
  type SeenAuditHead,
  saveSeenAuditHead,
  seenAuditHead,
  seenHeadsFile,
} from './seen-head.ts';

let configHome: string;
beforeAll(async () => {
  configHome = await mkdtemp(path.join(tmpdir(), 'gov-seen-'));
});
afterAll(() => rm(configHome, { recursive: true, force: true }));

const head = (seq: number, hash: string): SeenAuditHead => ({
  seq,
  hash,
  seenAt: '2026-03-01T10:00:00.000Z',
  source: 'records',
  keyId: null,
});

describe('the audit head gov saw', () => {
  it('is kept per API, next to the credentials, readable by the user only', async () => {
    const env = { XDG_CONFIG_HOME: configHome };
    await saveSeenAuditHead(env, 'https://a.example', head(7, 'a'.repeat(64)));
    await saveSeenAuditHead(env, 'https://b.example', head(9, 'b'.repeat(64)));
    expect(await seenAuditHead(env, 'https://a.example')).toMatchObject({ seq: 7 });
    expect(seenHeadsFile(env)).toBe(path.join(configHome, 'gov', 'audit-heads.json'));
    expect((await stat(seenHeadsFile(env))).mode & 0o777).toBe(0o600);
  });

  it('contradicts a shorter log, or another hash where it was', () => {
    const seen = head(7, 'a'.repeat(64));
    expect(compareWithSeen(seen, { records: 9, hashAtSeen: 'a'.repeat(64) })).toBeUndefined();
    expect(compareWithSeen(seen, { records: 9, hashAtSeen: undefined })).toBeUndefined();
    expect(compareWithSeen(seen, { records: 5, hashAtSeen: undefined })?.message).toBe(
      'the audit log was truncated after record 5: you saw it reach record 7 on 2026-03-01',
    );
    expect(compareWithSeen(seen, { records: 9, hashAtSeen: 'c'.repeat(64) })).toMatchObject({
      code: 'audit_log_rewritten',
      message: expect.stringContaining('rewritten at or before record 7, which you saw on'),
    });
  });
});

/** A platform as an auditor sees it: the server's verdict, the checkpoints, the key. */
function fakePlatform(state: { key: KeyObject; checkpoints: AuditCheckpoint[]; records: number }) {
  return startServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    res.setHeader('content-type', 'application/json');
    const answers: Record<string, unknown> = {
      '/v1/me': { operator: false },
      '/v1/audit/public-key': {
        algorithm: 'Ed25519',
        keyId: auditKeyId(state.key),
        publicKeyPem: state.key.export({ type: 'spki', format: 'pem' }),
      },
      '/v1/audit/checkpoints': { checkpoints: [...state.checkpoints].reverse(), next: null },
      '/v1/audit/verify': {
        ok: true,
        records: state.records,
        headHash: 'e'.repeat(64),
        scope: 'incremental',
        checkpoint: state.checkpoints.at(-1) ?? null,
        rejectedCheckpoints: 0,
        checkedAt: new Date().toISOString(),
        lastFullAt: null,
      } satisfies AuditVerification,
    };
    res.end(JSON.stringify(answers[url.pathname] ?? {}));
  });
}

function signed(seq: number, hash: string, privateKey: KeyObject, keyId: string): AuditCheckpoint {
  const statement = { seq, hash, at: new Date().toISOString(), keyId };
  return {
    ...statement,
    signature: sign(null, checkpointStatement(statement), privateKey).toString('base64'),
  };
}

describe('gov audit verify, as an auditor', () => {
  let server: TestServer;
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyId = auditKeyId(publicKey);
  const state = {
    key: publicKey,
    checkpoints: [
      signed(3, 'a'.repeat(64), privateKey, keyId),
      signed(5, 'b'.repeat(64), privateKey, keyId),
    ],
    records: 6,
  };
  beforeAll(async () => {
    server = await fakePlatform(state);
  });
  afterAll(() => server.close());
  const run = async () =>
    cli(
      ['audit', 'verify'],
      { GOV_API_URL: server.url, GOV_TOKEN: 't', XDG_CONFIG_HOME: configHome },
      configHome,
    );

  it('remembers the newest signed checkpoint, and fails once it is no longer published', async () => {
    const first = await run();
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('newest signed checkpoint: record 5');
    state.checkpoints = state.checkpoints.slice(0, 1);
    const second = await run();
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('the signed checkpoint of record 5, which you saw on');
  });

  it('fails when the signing key changed since', async () => {
    state.key = generateKeyPairSync('ed25519').publicKey;
    const res = await run();
    expect(res.code).toBe(1);
    expect(res.stderr).toContain("the platform's audit signing key changed");
    expect(res.stderr).toContain('audit-heads.json');
  });
});
