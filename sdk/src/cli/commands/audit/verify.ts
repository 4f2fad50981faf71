import type { AuditRecordResource } from '../../../../../platform/src/audit/query.ts';
import { ChainChecker, type ChainVerdict } from '../../../../../platform/src/audit/verify.ts';
import { apiOptions, defineCommand } from '../../command.ts';
import { clientFor } from '../../context.ts';
import { UserError } from '../../errors.ts';

/**
 * Recomputes the audit chain here, from the records themselves, so a
 * tampered server cannot vouch for itself. Operators can read the whole
 * chain; a ministry auditor gets the server's own verdict instead.
 */
export const auditVerify = defineCommand({
  path: ['audit', 'verify'],
  summary: 'Check the audit log hash chain and report the first broken link',
  usage: 'gov audit verify [--json]',
  positionals: [],
  options: apiOptions,
  async run(input) {
    const client = clientFor(input);
    const me = await client.raw<{ operator: boolean }>('GET', '/v1/me');
    let verdict: ChainVerdict;
    let where: string;
    if (me.operator) {
      verdict = await recompute(client);
      where = 'recomputed locally';
    } else {
      verdict = await client.raw<ChainVerdict>('GET', '/v1/audit/verify');
      where = 'checked by the server (only operators can read the whole chain)';
    }
    if (input.flags.json) input.stdout(`${JSON.stringify({ ...verdict, where })}\n`);
    if (!verdict.ok) {
      throw new UserError(
        'audit_chain_broken',
        `the audit log is broken at record ${verdict.brokenAt} (${verdict.reason}); ${verdict.records} records before it are intact`,
        {
          hint: 'treat this as a security incident: tell the platform security officer',
        },
      );
    }
    if (!input.flags.json)
      input.stdout(
        `audit log intact: ${verdict.records} records, head ${verdict.headHash} (${where})\n`,
      );
  },
});

async function recompute(client: ReturnType<typeof clientFor>): Promise<ChainVerdict> {
  const checker = new ChainChecker();
  let after = 0;
  for (;;) {
    const page = await client.raw<{ records: AuditRecordResource[]; next: number | null }>(
      'GET',
      `/v1/audit?after=${after}&limit=1000`,
    );
    for (const r of page.records)
      if (checker.push({ ...r, at: new Date(r.at) })) return checker.verdict;
    if (page.next === null) return checker.verdict;
    after = page.next;
  }
}
