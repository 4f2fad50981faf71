import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gov } from '../support/gov-cli.ts';
import { type PlatformProcess, startPlatformProcess } from '../support/platform-process.ts';
import { auditTamper, type TamperOutcome } from './audit-tamper.ts';

// The database must be one a second party (the tampering owner) can open.
const onPostgres = Boolean(process.env.DATABASE_URL);

describe.skipIf(!onPostgres)('audit log tampered with by the database owner', () => {
  let platform: PlatformProcess;
  let outcomes: TamperOutcome[];

  beforeAll(async () => {
    platform = await startPlatformProcess();
    outcomes = await auditTamper(platform);
  }, 180_000);
  afterAll(async () => {
    await platform?.destroy();
  });

  it('deleting the last records is invisible to the chain alone, and caught by the checkpoints', () => {
    const [truncated] = outcomes;
    expect(truncated?.chainAloneOk).toBe(true);
    expect(truncated?.server).toMatchObject({ ok: false, reason: 'truncated' });
    expect(truncated?.cli.code).not.toBe(0);
    expect(truncated?.cli.line).toMatch(/truncated/);
  });

  it('rewriting a record and rehashing the rest is caught as well', () => {
    const rewritten = outcomes[1];
    expect(rewritten?.chainAloneOk).toBe(true);
    expect(rewritten?.server).toMatchObject({ ok: false, reason: 'rewritten' });
    expect(rewritten?.cli.code).not.toBe(0);
    expect(rewritten?.cli.line).toMatch(/rewritten/);
  });

  it('the log verifies again once restored, so the verdicts above came from the tampering', async () => {
    const cli = await gov(['audit', 'verify'], platform.cliEnv);
    expect(cli.code, cli.stderr).toBe(0);
  });
});
