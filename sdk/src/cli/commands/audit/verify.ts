import {
  type AuditCheckpoint,
  type AuditRecordResource,
  type AuditVerification,
  type ChainBreak,
  ChainChecker,
  type ChainVerdict,
} from '@gov/contract';
import {
  checkSignatures,
  fetchAuditPublicKey,
  fetchCheckpoints,
} from '../../../audit/checkpoints.ts';
import {
  compareWithSeen,
  type SeenAuditHead,
  saveSeenAuditHead,
  seenAuditHead,
  seenHeadsFile,
} from '../../../audit/seen-head.ts';
import type { GovClient } from '../../../client/gov-client.ts';
import { apiOptions, defineCommand } from '../../command.ts';
import { clientFor, resolveApiUrl } from '../../context.ts';
import { UserError } from '../../errors.ts';

const INCIDENT = 'treat this as a security incident: tell the platform security officer';

/** What the reasons that compare with signed checkpoints mean, for whoever reads the error. */
const explain: Partial<Record<ChainBreak, string>> = {
  truncated:
    ': the chain now ends before a signed checkpoint, so records were removed from its end',
  rewritten:
    ': the record differs from its signed checkpoint, so a record at or before it was changed and the later ones rehashed',
  bad_checkpoint: ": the server's checkpoint file holds a statement whose signature does not hold",
};

/**
 * Checks the audit log three ways. The chain itself: operators recompute it
 * here from the records, so a tampered server cannot vouch for itself; a
 * ministry auditor gets the server's own verdict. The signed checkpoints:
 * each signature is checked here with the platform's public key, and the
 * chain must reach and agree with them. And the head this command saw last
 * time (kept next to the credentials): the chain must still reach it, with
 * the same hash, and the key must be the same.
 */
export const auditVerify = defineCommand({
  path: ['audit', 'verify'],
  summary: 'Check the audit log hash chain and report the first broken link',
  usage: 'gov audit verify [--json]',
  positionals: [],
  options: apiOptions,
  async run(input) {
    const client = clientFor(input);
    const apiUrl = resolveApiUrl(input);
    const seen = await seenAuditHead(input.env, apiUrl);
    const me = await client.raw<{ operator: boolean }>('GET', '/v1/me');
    const key = await fetchAuditPublicKey(client);
    const published = await fetchCheckpoints(client, seen?.seq ?? 0);
    const forget = `if this is expected, confirm it with the platform team, then remove "${apiUrl}" from ${seenHeadsFile(input.env)}`;

    let problem: UserError | undefined;
    let signed: AuditCheckpoint[] = [];
    if (seen?.keyId && key?.keyId !== seen.keyId) {
      problem = new UserError(
        'audit_key_changed',
        key
          ? `the platform's audit signing key changed: it was ${seen.keyId} on ${seen.seenAt.slice(0, 10)}, it is now ${key.keyId}`
          : `the platform no longer publishes its audit signing key (${seen.keyId} on ${seen.seenAt.slice(0, 10)})`,
        { hint: forget },
      );
    } else if (published.length > 0 && !key) {
      problem = new UserError(
        'audit_checkpoint_unverifiable',
        `the platform publishes ${published.length} audit checkpoints but no key to check them`,
        { hint: INCIDENT },
      );
    } else if (key) {
      const { valid, forged } = checkSignatures(published, key.key);
      signed = valid;
      const [first] = forged;
      if (first) {
        problem = new UserError(
          'audit_checkpoint_forged',
          `${forged.length} audit checkpoint(s) do not carry a valid signature of key ${key.keyId}, the first for record ${first.seq} (signed at ${first.at})`,
          { hint: INCIDENT },
        );
      }
    }
    const newest = signed.reduce<AuditCheckpoint | null>(
      (a, b) => (!a || b.seq > a.seq ? b : a),
      null,
    );

    let verdict: ChainVerdict;
    let where: string;
    let hashAtSeen: string | undefined;
    if (me.operator) {
      ({ verdict, hashAtSeen } = await recompute(client, signed, seen?.seq));
      where = 'recomputed locally';
    } else {
      const server = await client.raw<AuditVerification>('GET', '/v1/audit/verify');
      verdict = chainVerdictOf(server);
      where = 'checked by the server (only operators can read the whole chain)';
      hashAtSeen = seen ? hashAt(seen.seq, signed, verdict) : undefined;
      if (!problem && seen?.source === 'checkpoint' && hashAtSeen === undefined) {
        problem = new UserError(
          'audit_checkpoint_missing',
          `the signed checkpoint of record ${seen.seq}, which you saw on ${seen.seenAt.slice(0, 10)}, is no longer published`,
          { hint: INCIDENT },
        );
      }
    }
    if (!verdict.ok) {
      problem ??= new UserError(
        'audit_chain_broken',
        `the audit log is broken at record ${verdict.brokenAt} (${verdict.reason}); ${verdict.records} records before it are intact${explain[verdict.reason] ?? ''}`,
        { hint: INCIDENT },
      );
    } else if (seen) {
      problem ??= compareWithSeen(seen, { records: verdict.records, hashAtSeen });
    }

    if (input.flags.json) {
      const report = { ...verdict, where, checkpoint: newest, seen: seen ?? null };
      const failed = problem ? { ok: false, problem: { code: problem.code } } : {};
      input.stdout(`${JSON.stringify({ ...report, ...failed })}\n`);
    }
    if (problem) throw problem;
    if (!verdict.ok) return; // (narrowing: a broken verdict always set a problem)

    const head = nextSeenHead(me.operator, verdict, newest, key?.keyId ?? null);
    if (!seen || head.seq >= seen.seq) await saveSeenAuditHead(input.env, apiUrl, head);
    if (!input.flags.json) {
      input.stdout(
        `audit log intact: ${verdict.records} records, head ${verdict.headHash} (${where})\n`,
      );
      input.stdout(
        newest
          ? `newest signed checkpoint: record ${newest.seq} at ${newest.at} (key ${newest.keyId})\n`
          : 'no signed checkpoint published yet\n',
      );
      if (seen) {
        input.stdout(
          `still holds record ${seen.seq}, which you saw on ${seen.seenAt.slice(0, 10)}\n`,
        );
      }
    }
  },
});

/** The whole chain from the records, against the signed checkpoints; and the hash at `watch`. */
async function recompute(client: GovClient, checkpoints: AuditCheckpoint[], watch?: number) {
  const checker = new ChainChecker({ checkpoints });
  let hashAtSeen: string | undefined;
  let after = 0;
  for (;;) {
    const page = await client.raw<{ records: AuditRecordResource[]; next: number | null }>(
      'GET',
      `/v1/audit?after=${after}&limit=1000`,
    );
    for (const r of page.records) {
      if (r.seq === watch) hashAtSeen = r.hash;
      if (checker.push({ ...r, at: new Date(r.at) }))
        return { verdict: checker.verdict, hashAtSeen };
    }
    if (page.next === null) return { verdict: checker.verdict, hashAtSeen };
    after = page.next;
  }
}

/** The chain verdict alone, without what the server adds around it. */
function chainVerdictOf(server: AuditVerification): ChainVerdict {
  return server.ok
    ? { ok: true, records: server.records, headHash: server.headHash }
    : { ok: false, records: server.records, brokenAt: server.brokenAt, reason: server.reason };
}

/** What a non-operator can know of the record at `seq`: a signed checkpoint there, or the head. */
function hashAt(seq: number, signed: AuditCheckpoint[], verdict: ChainVerdict) {
  const checkpoint = signed.find((c) => c.seq === seq);
  if (checkpoint) return checkpoint.hash;
  return verdict.ok && verdict.records === seq ? verdict.headHash : undefined;
}

/** Operators remember the head they recomputed; others the newest signed checkpoint. */
function nextSeenHead(
  operator: boolean,
  verdict: Extract<ChainVerdict, { ok: true }>,
  newest: AuditCheckpoint | null,
  keyId: string | null,
): SeenAuditHead {
  const seenAt = new Date().toISOString();
  if (!operator && newest) {
    return { seq: newest.seq, hash: newest.hash, seenAt, source: 'checkpoint', keyId };
  }
  const source = operator ? 'records' : 'server';
  return { seq: verdict.records, hash: verdict.headHash, seenAt, source, keyId };
}
