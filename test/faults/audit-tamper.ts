import { sql } from 'drizzle-orm';
import { verifyAuditChain } from '../../platform/src/audit/verify.ts';
import { openDatabase } from '../../platform/src/db/database.ts';
import { auditLog } from '../../platform/src/db/schema/index.ts';
import {
  asTableOwner,
  auditRows,
  rewriteAuditFrom,
  truncateAuditAfter,
} from '../../platform/src/testing/audit-tamper.ts';
import { gov } from '../support/gov-cli.ts';
import { api, type PlatformProcess } from '../support/platform-process.ts';

export interface TamperOutcome {
  tampering: string;
  /** What `GET /v1/audit/verify?full=true` said. */
  server: { ok: boolean; brokenAt?: number; reason?: string };
  /** `gov audit verify` as an operator: exit code and its one-line verdict. */
  cli: { code: number | null; line: string };
  /** What the chain of hashes alone says (no checkpoints): the tampering is invisible to it. */
  chainAloneOk: boolean;
}

/**
 * A database owner tampers with the audit log of a running platform, after
 * the control plane signed a checkpoint of it (a graceful restart signs
 * one): records deleted from the end, then one record rewritten with every
 * later one rehashed. Each time, both the server's check and `gov audit
 * verify` must say the log is broken. Needs PostgreSQL: on PGlite the
 * database belongs to the platform's process and nobody else can open it.
 */
export async function auditTamper(p: PlatformProcess): Promise<TamperOutcome[]> {
  if (!p.databaseUrl) throw new Error('the tamper scenario needs PostgreSQL (set DATABASE_URL)');
  await api(p, 'POST', '/v1/ministries', { name: 'archives', displayName: 'Archives' });
  for (let i = 0; i < 8; i++) {
    await api(p, 'POST', '/v1/ministries/archives/apps', { name: `registre-${i}` });
  }
  // The baseline verdict, which the CLI remembers as the head it saw.
  const baseline = await gov(['audit', 'verify'], p.cliEnv);
  if (baseline.code !== 0) throw new Error(`the untouched log does not verify: ${baseline.stderr}`);
  // A graceful stop signs a checkpoint of the head.
  await p.restartControlPlane('SIGTERM');

  const database = await openDatabase({ kind: 'postgres', url: p.databaseUrl });
  const { db } = database;
  try {
    const original = await auditRows(db);
    const last = original.at(-1)?.seq ?? 0;
    const restore = async () => {
      await asTableOwner(db, sql`delete from audit_log`);
      await db.execute(sql`alter table audit_log disable trigger audit_log_no_update_delete`);
      await db.insert(auditLog).values(original);
      await db.execute(sql`alter table audit_log enable trigger audit_log_no_update_delete`);
    };
    const observe = async (tampering: string): Promise<TamperOutcome> => {
      const chainAlone = await verifyAuditChain(db);
      const server = (await api(p, 'GET', '/v1/audit/verify?full=true')).json;
      const cli = await gov(['audit', 'verify'], p.cliEnv);
      const line = `${cli.stdout}${cli.stderr}`.trim().split('\n')[0] ?? '';
      return {
        tampering,
        server: { ok: server.ok, brokenAt: server.brokenAt, reason: server.reason },
        cli: { code: cli.code, line },
        chainAloneOk: chainAlone.ok,
      };
    };
    const outcomes: TamperOutcome[] = [];
    await truncateAuditAfter(db, last - 3);
    outcomes.push(await observe(`the last 3 of ${last} records deleted`));
    await restore();
    await rewriteAuditFrom(db, 3, { actorId: 'tok_intrus' });
    outcomes.push(await observe(`record 3 of ${last} rewritten, every later one rehashed`));
    await restore();
    return outcomes;
  } finally {
    await database.close();
  }
}
